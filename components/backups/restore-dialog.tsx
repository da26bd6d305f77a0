"use client";
import { useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { useRestorePools } from "@/components/data/use-backups";
import { Alert } from "@/components/ui/alert";
import { FormDialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import type { BackupPointView } from "@/lib/contracts/backup";
import type { BackupHostOption } from "./types";

/** Restores a backup point as a new VM (new name, UUID, MACs) on a host and directory pool the user picks. */
export function RestoreDialog({
  point,
  hosts,
  onClose,
  onStarted,
}: {
  point: BackupPointView | null;
  hosts: BackupHostOption[];
  onClose: () => void;
  onStarted: (name: string) => void;
}) {
  const t = useTranslations("backups");
  const { busy, error, call } = useApiCall();
  const [hostId, setHostId] = useState(point?.hostId ?? hosts[0]?.id ?? "");
  const [name, setName] = useState(point ? `${point.vmName}-restored` : "");
  const [pool, setPool] = useState("");
  const [start, setStart] = useState(false);
  const pools = useRestorePools(hostId);
  const dirPools = (pools.data?.pools ?? []).filter((p) => ["dir", "fs", "netfs"].includes(p.type) && p.active);
  const chosenPool = pool || dirPools[0]?.name || "";
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!point) return;
    void call(async () => {
      const base = `/api/vms/${encodeURIComponent(point.hostId)}/${encodeURIComponent(point.vmUuid)}/backups`;
      await fetchJson(`${base}/${encodeURIComponent(point.id)}/restore`, {
        body: { hostId, name, pool: chosenPool, start },
      });
      onStarted(name);
    });
  };
  const fe = (f: string) => error?.fieldMessage(f);
  return (
    <FormDialog
      open={point !== null}
      onClose={onClose}
      title={t("restore.title", { name: point?.vmName ?? "" })}
      description={t("restore.hint")}
      formId="backup-restore-form"
      submitLabel={t("restore.submit")}
      pending={busy}
      submitTestId="backup-restore-submit"
      testId="backup-restore-dialog"
    >
      <form id="backup-restore-form" onSubmit={submit} className="space-y-4">
        {error && !fe("name") && !fe("pool") ? <Alert tone="error">{error.message}</Alert> : null}
        <Field label={t("restore.name")} error={fe("name")} required>
          {(p) => <Input {...p} value={name} onChange={(e) => setName(e.target.value)} testId="backup-restore-name" />}
        </Field>
        <Field label={t("restore.host")} required>
          {(p) => (
            <Select
              {...p}
              value={hostId}
              onChange={(e) => {
                setHostId(e.target.value);
                setPool("");
              }}
              testId="backup-restore-host"
            >
              {hosts.map((h) => (
                <option key={h.id} value={h.id}>
                  {h.name}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field
          label={t("restore.pool")}
          error={fe("pool")}
          hint={dirPools.length ? undefined : t("restore.noPool")}
          required
        >
          {(p) => (
            <Select {...p} value={chosenPool} onChange={(e) => setPool(e.target.value)} testId="backup-restore-pool">
              {dirPools.map((d) => (
                <option key={d.name} value={d.name}>
                  {d.name}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <label className="flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            checked={start}
            onChange={(e) => setStart(e.target.checked)}
            data-testid="backup-restore-start"
          />
          {t("restore.start")}
        </label>
      </form>
    </FormDialog>
  );
}
