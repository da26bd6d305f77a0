"use client";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";
import { ApiError, apiHeaders } from "@/components/api/fetch-json";
import { ErrorBanner } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import { TaskProgress } from "@/components/tasks/task-progress";
import type { StoragePool, UploadFormat } from "@/lib/contracts/storage";
import type { TaskView } from "@/lib/contracts/tasks";
import { useVmFormat } from "@/components/vms/use-vm-format";

/** Upload with XMLHttpRequest: fetch() cannot report upload progress. */
function uploadRequest(
  url: string,
  file: File,
  onProgress: (sent: number) => void,
): { promise: Promise<TaskView>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<TaskView>((resolve, reject) => {
    xhr.open("POST", url);
    xhr.setRequestHeader("content-type", "application/octet-stream");
    for (const [name, value] of Object.entries(apiHeaders("POST"))) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader("accept", "application/json");
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      let data: { task?: TaskView; error?: { code: string; message: string } } | null = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {}
      if (xhr.status >= 200 && xhr.status < 300 && data?.task) resolve(data.task);
      else
        reject(
          new ApiError(
            xhr.status,
            data?.error?.code ?? "internal",
            data?.error?.message ?? `Upload failed (${xhr.status})`,
          ),
        );
    };
    xhr.onerror = () => reject(new ApiError(0, "network", "The upload was interrupted"));
    xhr.onabort = () => reject(new ApiError(0, "aborted", "Upload aborted"));
    xhr.send(file);
  });
  return { promise, abort: () => xhr.abort() };
}

function formatFromName(name: string): UploadFormat {
  if (/\.iso$/i.test(name)) return "iso";
  if (/\.qcow2$/i.test(name)) return "qcow2";
  return "raw";
}

export function UploadDialog({
  open,
  onClose,
  hostId,
  pools,
  onDone,
}: {
  open: boolean;
  onClose: () => void;
  hostId: string;
  pools: StoragePool[];
  onDone: () => void;
}) {
  const t = useTranslations("storage");
  const formatBytes = useVmFormat().size;
  const [file, setFile] = useState<File | null>(null);
  const [pool, setPool] = useState("");
  const [name, setName] = useState("");
  const [format, setFormat] = useState<UploadFormat>("iso");
  const [sent, setSent] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<TaskView | null>(null);
  const abortRef = useRef<(() => void) | null>(null);
  const active = pools.filter((p) => p.active);

  useEffect(() => {
    if (open) {
      setFile(null);
      setName("");
      setSent(null);
      setError(null);
      setResult(null);
      setPool(active[0]?.name ?? "");
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- reset the form only when the dialog opens, not on every prop change
  }, [open]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!file) return;
    setError(null);
    setResult(null);
    setSent(0);
    const q = new URLSearchParams({ pool, name, format, size: String(file.size) });
    const req = uploadRequest(`/api/hosts/${hostId}/storage/upload?${q}`, file, setSent);
    abortRef.current = req.abort;
    try {
      const task = await req.promise;
      setResult(task);
      if (task.status === "succeeded") onDone();
      else setError(task.error ?? t(`upload.${task.status === "cancelled" ? "cancelled" : "failed"}`));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      abortRef.current = null;
      setSent(null);
    }
  }

  const uploading = sent !== null;
  const percent = file && sent !== null ? (sent / Math.max(1, file.size)) * 100 : 0;
  return (
    <Dialog
      open={open}
      onClose={() => (uploading ? undefined : onClose())}
      title={t("upload.title")}
      description={t("upload.description")}
      testId="upload-dialog"
      footer={
        <>
          {uploading ? (
            <Button variant="danger" onClick={() => abortRef.current?.()} testId="upload-abort">
              {t("upload.abort")}
            </Button>
          ) : (
            <Button variant="secondary" onClick={onClose} testId="upload-close">
              {t("close")}
            </Button>
          )}
          <Button
            type="submit"
            form="upload-form"
            loading={uploading}
            disabled={!file || !name || !pool || uploading}
            testId="upload-submit"
          >
            {t("upload.submit")}
          </Button>
        </>
      }
    >
      <form id="upload-form" onSubmit={submit} className="space-y-4">
        <Field label={t("upload.file")} required>
          {(p) => (
            <Input
              {...p}
              type="file"
              data-testid="upload-file"
              disabled={uploading}
              onChange={(e) => {
                const fl = e.target.files?.[0] ?? null;
                setFile(fl);
                if (fl) {
                  setName(fl.name.replace(/[^A-Za-z0-9_.+-]/g, "_").replace(/^[.+-]+/, ""));
                  setFormat(formatFromName(fl.name));
                }
              }}
            />
          )}
        </Field>
        <Field label={t("upload.pool")} required>
          {(p) => (
            <Select
              {...p}
              value={pool}
              onChange={(e) => setPool(e.target.value)}
              disabled={uploading}
              testId="upload-pool"
            >
              {active.map((x) => (
                <option key={x.name} value={x.name}>
                  {x.name} ({formatBytes(x.availableBytes)})
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label={t("upload.name")} hint={t("volume.nameHint")} required>
          {(p) => (
            <Input
              {...p}
              value={name}
              onChange={(e) => setName(e.target.value)}
              disabled={uploading}
              data-testid="upload-name"
            />
          )}
        </Field>
        <Field label={t("upload.format")} hint={t("upload.formatHint")}>
          {(p) => (
            <Select
              {...p}
              value={format}
              onChange={(e) => setFormat(e.target.value as UploadFormat)}
              disabled={uploading}
              testId="upload-format"
            >
              <option value="iso">ISO</option>
              <option value="raw">raw</option>
              <option value="qcow2">qcow2</option>
            </Select>
          )}
        </Field>
        {uploading || result ? (
          <div className="space-y-1" data-testid="upload-progress-block">
            <TaskProgress
              status={result ? result.status : "running"}
              progress={result ? result.progress : percent}
              label={t("upload.progress")}
              testId="upload-progress"
            />
            <p className="text-xs text-slate-600 dark:text-slate-400" data-testid="upload-progress-text">
              {result
                ? result.status === "succeeded"
                  ? t("upload.done", { name: String(result.result?.name ?? name) })
                  : ""
                : t("upload.sent", {
                    sent: formatBytes(sent ?? 0),
                    total: formatBytes(file?.size ?? 0),
                    percent: Math.floor(percent),
                  })}
            </p>
          </div>
        ) : null}
        {error ? <ErrorBanner testId="upload-error">{error}</ErrorBanner> : null}
      </form>
    </Dialog>
  );
}
