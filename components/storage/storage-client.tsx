"use client";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";
import { ApiError, apiHeaders, fetchJson } from "@/components/api/fetch-json";
import { useApiCall, useConfirmAction } from "@/components/api/use-action";
import { useIsos, useStoragePools, useVolumes } from "@/components/data/use-storage";
import { PageHeader } from "@/components/shell/page-header";
import { ErrorBanner } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { ConfirmDialog, Dialog, FormDialog } from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { Field } from "@/components/ui/field";
import { DatabaseIcon, PlusIcon } from "@/components/ui/icons";
import { Input, Select } from "@/components/ui/input";
import { TBody, TD, TH, THead, TR, Table, TableEmpty } from "@/components/ui/table";
import { TaskProgress } from "@/components/tasks/task-progress";
import type { StoragePool, StorageVolume, UploadFormat } from "@/lib/contracts/storage";
import type { TaskView } from "@/lib/contracts/tasks";
import { useVmFormat } from "@/components/vms/use-vm-format";

export interface StorageHostOption {
  id: string;
  name: string;
  /** The user holds storage.manage on this host: upload, create and delete are shown. */
  canManage: boolean;
}

function CapacityBar({ pool, label }: { pool: StoragePool; label: string }) {
  const used = pool.capacityBytes ? Math.min(100, (pool.allocationBytes / pool.capacityBytes) * 100) : 0;
  return (
    <div
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(used)}
      className="h-2 w-full overflow-hidden rounded-full bg-slate-100 dark:bg-slate-800"
      data-testid="pool-capacity"
    >
      <div
        className={used > 90 ? "h-full bg-red-500" : used > 75 ? "h-full bg-amber-500" : "h-full bg-indigo-500"}
        style={{ width: `${used}%` }}
      />
    </div>
  );
}

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

function UploadDialog({
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

function VolumeCreateDialog({
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
  const active = pools.filter((p) => p.active);
  const [pool, setPool] = useState("");
  const [name, setName] = useState("");
  const [format, setFormat] = useState<"qcow2" | "raw">("qcow2");
  const [sizeGiB, setSizeGiB] = useState("10");
  const { busy, error, setError, call } = useApiCall();
  useEffect(() => {
    if (open) {
      setPool(active[0]?.name ?? "");
      setName("");
      setError(null);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- reset the form only when the dialog opens, not on every prop change
  }, [open]);
  async function submit(e: FormEvent) {
    e.preventDefault();
    await call(async () => {
      await fetchJson(`/api/hosts/${hostId}/storage/volumes`, {
        body: { pool, name, format, capacityBytes: Math.round(Number(sizeGiB) * 1024 ** 3) },
      });
      onDone();
      onClose();
    });
  }
  return (
    <FormDialog
      open={open}
      onClose={onClose}
      title={t("volume.createTitle")}
      testId="volume-create-dialog"
      formId="volume-create-form"
      submitLabel={t("volume.create")}
      cancelLabel={t("close")}
      pending={busy}
      submitTestId="volume-create-submit"
    >
      <form id="volume-create-form" onSubmit={submit} className="space-y-4">
        <Field label={t("upload.pool")} required>
          {(p) => (
            <Select {...p} value={pool} onChange={(e) => setPool(e.target.value)} testId="volume-create-pool">
              {active.map((x) => (
                <option key={x.name} value={x.name}>
                  {x.name}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label={t("volume.name")} hint={t("volume.nameHint")} error={error?.fieldMessage("name")} required>
          {(p) => (
            <Input
              {...p}
              value={name}
              onChange={(e) => setName(e.target.value)}
              data-testid="volume-create-name"
              data-autofocus
            />
          )}
        </Field>
        <Field label={t("volume.format")}>
          {(p) => (
            <Select
              {...p}
              value={format}
              onChange={(e) => setFormat(e.target.value as "qcow2" | "raw")}
              testId="volume-create-format"
            >
              <option value="qcow2">qcow2</option>
              <option value="raw">raw</option>
            </Select>
          )}
        </Field>
        <Field label={t("volume.sizeGiB")} error={error?.fieldMessage("capacityBytes")} required>
          {(p) => (
            <Input
              {...p}
              type="number"
              min="0.001"
              step="any"
              value={sizeGiB}
              onChange={(e) => setSizeGiB(e.target.value)}
              data-testid="volume-create-size"
            />
          )}
        </Field>
        {error && !error.issues.length ? <ErrorBanner>{error.message}</ErrorBanner> : null}
      </form>
    </FormDialog>
  );
}

export function StorageClient({ hosts }: { hosts: StorageHostOption[] }) {
  const t = useTranslations("storage");
  const formatBytes = useVmFormat().size;
  const [hostId, setHostId] = useState(hosts[0]?.id ?? "");
  const canManage = hosts.find((h) => h.id === hostId)?.canManage ?? false;
  const poolsQuery = useStoragePools(hostId);
  const isosQuery = useIsos(hostId);
  const pools = poolsQuery.error ? [] : (poolsQuery.data?.pools ?? null);
  const isos = isosQuery.data?.isos ?? null;
  // The pool shown: the one picked while it exists, else the host's first active one.
  const [picked, setPool] = useState<string | null>(null);
  const pool = picked && pools?.some((x) => x.name === picked) ? picked : (pools?.find((x) => x.active)?.name ?? null);
  const volumesQuery = useVolumes(hostId, pool);
  const volumes = volumesQuery.data?.volumes ?? null;
  const rescanning = useApiCall();
  const busy = rescanning.busy;
  const error = (rescanning.error ?? poolsQuery.error ?? isosQuery.error ?? volumesQuery.error)?.message ?? null;
  const [uploadOpen, setUploadOpen] = useState(false);
  const [createOpen, setCreateOpen] = useState(false);

  const refreshAll = () => {
    void poolsQuery.mutate();
    void isosQuery.mutate();
    void volumesQuery.mutate();
  };

  function rescan() {
    void rescanning.call(async () => {
      const r = await fetchJson<{ isos: StorageVolume[] }>(`/api/hosts/${hostId}/storage/isos`, { method: "POST" });
      void isosQuery.mutate(r, { revalidate: false });
      void volumesQuery.mutate();
    });
  }

  const remove = useConfirmAction(async (v: StorageVolume) => {
    await fetchJson(`/api/hosts/${hostId}/storage/volumes/delete`, { body: { pool: v.pool, name: v.name } });
    refreshAll();
  });

  if (!hosts.length) {
    return (
      <>
        <PageHeader title={t("title")} description={t("description")} />
        <EmptyState
          testId="storage-empty"
          icon={<DatabaseIcon />}
          title={t("empty.title")}
          description={t("empty.body")}
        />
      </>
    );
  }

  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("description")}
        actions={
          <>
            <Select
              value={hostId}
              onChange={(e) => setHostId(e.target.value)}
              aria-label={t("host")}
              testId="storage-host"
            >
              {hosts.map((h) => (
                <option key={h.id} value={h.id}>
                  {h.name}
                </option>
              ))}
            </Select>
            {canManage ? (
              <>
                <Button
                  variant="secondary"
                  onClick={() => setCreateOpen(true)}
                  disabled={!pools?.some((p) => p.active)}
                  testId="volume-create-open"
                >
                  <PlusIcon className="size-4" />
                  {t("volume.create")}
                </Button>
                <Button
                  onClick={() => setUploadOpen(true)}
                  disabled={!pools?.some((p) => p.active)}
                  testId="upload-open"
                >
                  {t("upload.open")}
                </Button>
              </>
            ) : null}
          </>
        }
      />
      {error ? (
        <ErrorBanner className="mb-4" testId="storage-error">
          {error}
        </ErrorBanner>
      ) : null}

      <Card className="mb-6" testId="pools-card">
        <CardHeader title={t("pools.title")} description={t("pools.description")} />
        <Table caption={t("pools.title")}>
          <THead>
            <TR>
              <TH>{t("pools.name")}</TH>
              <TH>{t("pools.type")}</TH>
              <TH>{t("pools.state")}</TH>
              <TH className="w-1/3">{t("pools.usage")}</TH>
              <TH>{t("pools.available")}</TH>
            </TR>
          </THead>
          <TBody>
            {pools === null ? <TableEmpty colSpan={5}>{t("loading")}</TableEmpty> : null}
            {pools?.length === 0 ? <TableEmpty colSpan={5}>{t("pools.none")}</TableEmpty> : null}
            {pools?.map((p) => (
              <TR
                key={p.name}
                testId="pool-row"
                data-pool={p.name}
                className={p.name === pool ? "bg-indigo-50/50 dark:bg-indigo-500/5" : undefined}
              >
                <TD>
                  <button
                    type="button"
                    className="font-medium text-indigo-700 hover:underline disabled:text-slate-500 dark:text-indigo-300"
                    disabled={!p.active}
                    onClick={() => setPool(p.name)}
                    data-testid="pool-select"
                  >
                    {p.name}
                  </button>
                </TD>
                <TD>{p.type}</TD>
                <TD>
                  <Badge tone={p.active ? "success" : "neutral"} dot>
                    {p.active ? t("pools.active") : t("pools.inactive")}
                  </Badge>
                </TD>
                <TD>
                  <CapacityBar pool={p} label={t("pools.usageOf", { name: p.name })} />
                  <span className="text-xs text-slate-500 dark:text-slate-400">
                    {t("pools.usedOf", { used: formatBytes(p.allocationBytes), total: formatBytes(p.capacityBytes) })}
                  </span>
                </TD>
                <TD>{formatBytes(p.availableBytes)}</TD>
              </TR>
            ))}
          </TBody>
        </Table>
      </Card>

      <Card className="mb-6" testId="volumes-card">
        <CardHeader title={pool ? t("volumes.titleOf", { pool }) : t("volumes.title")} />
        <Table caption={t("volumes.title")}>
          <THead>
            <TR>
              <TH>{t("volumes.name")}</TH>
              <TH>{t("volumes.format")}</TH>
              <TH>{t("volumes.capacity")}</TH>
              <TH>{t("volumes.allocation")}</TH>
              <TH>{t("volumes.backing")}</TH>
              {canManage ? (
                <TH>
                  <span className="sr-only">{t("volumes.actions")}</span>
                </TH>
              ) : null}
            </TR>
          </THead>
          <TBody>
            {volumes?.length === 0 ? <TableEmpty colSpan={canManage ? 6 : 5}>{t("volumes.none")}</TableEmpty> : null}
            {volumes?.map((v) => (
              <TR key={v.name} testId="volume-row" data-volume={v.name}>
                <TD wrap>
                  <span className="font-medium">{v.name}</span>
                  <span className="block text-xs text-slate-500 dark:text-slate-400">{v.path}</span>
                </TD>
                <TD>{v.iso ? "ISO" : (v.format ?? "—")}</TD>
                <TD>{formatBytes(v.capacityBytes)}</TD>
                <TD>{formatBytes(v.allocationBytes)}</TD>
                <TD wrap>{v.backingPath ?? "—"}</TD>
                {canManage ? (
                  <TD>
                    <Button size="sm" variant="ghost" onClick={() => remove.ask(v)} testId="volume-delete">
                      {t("volume.delete")}
                    </Button>
                  </TD>
                ) : null}
              </TR>
            ))}
          </TBody>
        </Table>
      </Card>

      <Card testId="iso-library">
        <CardHeader
          title={t("isos.title")}
          description={t("isos.description")}
          actions={
            canManage ? (
              <Button variant="secondary" size="sm" loading={busy} onClick={rescan} testId="iso-rescan">
                {t("isos.rescan")}
              </Button>
            ) : null
          }
        />
        <CardBody>
          {isos?.length === 0 ? (
            <p className="text-sm text-slate-500 dark:text-slate-400" data-testid="iso-empty">
              {t("isos.none")}
            </p>
          ) : null}
          <ul className="divide-y divide-slate-100 dark:divide-slate-800">
            {isos?.map((v) => (
              <li
                key={`${v.pool}/${v.name}`}
                className="flex justify-between py-2 text-sm"
                data-testid="iso-row"
                data-iso={v.name}
              >
                <span className="font-medium">{v.name}</span>
                <span className="text-slate-500 dark:text-slate-400">
                  {v.pool} · {formatBytes(v.capacityBytes)}
                </span>
              </li>
            ))}
          </ul>
        </CardBody>
      </Card>

      {pools ? (
        <UploadDialog
          open={uploadOpen}
          onClose={() => setUploadOpen(false)}
          hostId={hostId}
          pools={pools}
          onDone={refreshAll}
        />
      ) : null}
      {pools ? (
        <VolumeCreateDialog
          open={createOpen}
          onClose={() => setCreateOpen(false)}
          hostId={hostId}
          pools={pools}
          onDone={refreshAll}
        />
      ) : null}
      <ConfirmDialog
        {...remove.dialog}
        title={t("volume.deleteTitle", { name: remove.target?.name ?? "" })}
        description={t("volume.deleteBody", { path: remove.target?.path ?? "" })}
        confirmLabel={t("volume.delete")}
        tone="danger"
        testId="volume-delete-dialog"
      />
    </>
  );
}
