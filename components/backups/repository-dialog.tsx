"use client";
import { useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { Alert } from "@/components/ui/alert";
import { FormDialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import type { RepositoryView } from "@/lib/contracts/backup";
import type { BackupHostOption } from "./types";

/** Adds a repository: a name, a host and a directory there (checked over SSH by the server). */
export function RepositoryDialog({
  open,
  hosts,
  onClose,
  onCreated,
}: {
  open: boolean;
  hosts: BackupHostOption[];
  onClose: () => void;
  onCreated: (r: RepositoryView) => void;
}) {
  const t = useTranslations("backups");
  const { busy, error, call } = useApiCall();
  const [name, setName] = useState("");
  const [hostId, setHostId] = useState(hosts[0]?.id ?? "");
  const [path, setPath] = useState("/var/lib/virtdeck-backups");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void call(async () => {
      const r = await fetchJson<{ repository: RepositoryView }>(
        `/api/hosts/${encodeURIComponent(hostId)}/backup-repositories`,
        { body: { name, path } },
      );
      onCreated(r.repository);
    });
  };
  const fieldError = (f: string) => error?.fieldMessage(f);
  return (
    <FormDialog
      open={open}
      onClose={onClose}
      title={t("repo.addTitle")}
      description={t("repo.addHint")}
      formId="backup-repo-form"
      submitLabel={t("repo.add")}
      pending={busy}
      submitTestId="backup-repo-submit"
      testId="backup-repo-dialog"
    >
      <form id="backup-repo-form" onSubmit={submit} className="space-y-4">
        {error && !fieldError("name") && !fieldError("path") ? <Alert tone="error">{error.message}</Alert> : null}
        <Field label={t("repo.name")} error={fieldError("name")} required>
          {(p) => <Input {...p} value={name} onChange={(e) => setName(e.target.value)} testId="backup-repo-name" />}
        </Field>
        <Field label={t("repo.host")} required>
          {(p) => (
            <Select {...p} value={hostId} onChange={(e) => setHostId(e.target.value)} testId="backup-repo-host">
              {hosts.map((h) => (
                <option key={h.id} value={h.id}>
                  {h.name}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label={t("repo.path")} hint={t("repo.pathHint")} error={fieldError("path")} required>
          {(p) => <Input {...p} value={path} onChange={(e) => setPath(e.target.value)} testId="backup-repo-path" />}
        </Field>
      </form>
    </FormDialog>
  );
}
