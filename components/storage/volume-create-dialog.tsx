"use client";
import { useEffect, useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { ErrorBanner } from "@/components/ui/alert";
import { FormDialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { SizeGiBField, gibToBytes } from "@/components/ui/fields";
import { Input, Select } from "@/components/ui/input";
import type { StoragePool } from "@/lib/contracts/storage";

export function VolumeCreateDialog({
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
        body: { pool, name, format, capacityBytes: gibToBytes(sizeGiB) },
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
        <SizeGiBField
          label={t("volume.sizeGiB")}
          error={error?.fieldMessage("capacityBytes")}
          value={sizeGiB}
          onChange={setSizeGiB}
          testId="volume-create-size"
        />
        {error && !error.issues.length ? <ErrorBanner>{error.message}</ErrorBanner> : null}
      </form>
    </FormDialog>
  );
}
