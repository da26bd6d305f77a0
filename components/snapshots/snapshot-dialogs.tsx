"use client";

import { useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { enc } from "@/components/data/use-api";
import { Alert } from "@/components/ui/alert";
import { ConfirmDialog, FormDialog } from "@/components/ui/dialog";
import { TextAreaField, TextField } from "@/components/ui/fields";
import type { SnapshotCapabilities, SnapshotDeleteMode, SnapshotKind, SnapshotView } from "@/lib/contracts/snapshot";

/** The dialogs of a VM's snapshots panel: create, revert, delete (leaf, subtree or merge) and edit. */

export type Started = (taskId: string) => void;

function Choice<T extends string>({
  name,
  value,
  options,
  onChange,
  legend,
}: {
  name: string;
  value: T;
  options: { value: T; label: string; hint?: string | null; disabled?: boolean }[];
  onChange: (v: T) => void;
  legend: string;
}) {
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-medium text-slate-900 dark:text-slate-100">{legend}</legend>
      {options.map((o) => (
        <label
          key={o.value}
          className={
            "flex gap-2 rounded-md border border-slate-200 p-2 text-sm dark:border-slate-700 " +
            (o.disabled ? "opacity-60" : "cursor-pointer")
          }
        >
          <input
            type="radio"
            name={name}
            value={o.value}
            checked={value === o.value}
            disabled={o.disabled}
            onChange={() => onChange(o.value)}
            data-testid={`${name}-${o.value}`}
            className="mt-0.5"
          />
          <span>
            <span className="font-medium text-slate-900 dark:text-slate-100">{o.label}</span>
            {o.hint ? <span className="block text-xs text-slate-600 dark:text-slate-400">{o.hint}</span> : null}
          </span>
        </label>
      ))}
    </fieldset>
  );
}

export function CreateDialog({
  base,
  caps,
  onClose,
  onStarted,
}: {
  base: string;
  caps: SnapshotCapabilities;
  onClose: () => void;
  onStarted: Started;
}) {
  const t = useTranslations("snapshots");
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [kind, setKind] = useState<SnapshotKind>(
    caps.internalRefusal && !caps.externalRefusal ? "external" : "internal",
  );
  const { busy, error, call } = useApiCall();
  const running = caps.vmState === "running" || caps.vmState === "paused";

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await call(async () => {
      const r = await fetchJson<{ taskId: string }>(base, {
        method: "POST",
        body: { name, kind, ...(description ? { description } : {}) },
      });
      onStarted(r.taskId);
      onClose();
    });
  };
  return (
    <FormDialog
      open
      onClose={onClose}
      title={t("create.title")}
      formId="snapshot-create-form"
      submitLabel={t("create.submit")}
      pending={busy}
      submitTestId="snapshot-create-submit"
      testId="snapshot-create-dialog"
    >
      <form id="snapshot-create-form" onSubmit={submit} className="space-y-4">
        <TextField
          label={t("field.name")}
          required
          error={error?.fieldMessage("name")}
          hint={t("field.nameHint")}
          value={name}
          maxLength={100}
          onChange={setName}
          testId="snapshot-name"
          autoFocus
        />
        <TextAreaField
          label={t("field.description")}
          error={error?.fieldMessage("description")}
          rows={2}
          maxLength={2000}
          value={description}
          onChange={setDescription}
          testId="snapshot-description"
        />
        <Choice
          name="snapshot-kind"
          legend={t("create.kind")}
          value={kind}
          onChange={setKind}
          options={[
            {
              value: "internal",
              label: t("create.internal"),
              hint: caps.internalRefusal ?? (running ? t("create.internalRunningHint") : t("create.internalHint")),
              disabled: !!caps.internalRefusal,
            },
            {
              value: "external",
              label: t("create.external"),
              hint:
                caps.externalRefusal ??
                (running && caps.guestAgent ? t("create.externalQuiesceHint") : t("create.externalHint")) +
                  (caps.externalRevert
                    ? ""
                    : ` ${t("create.externalNoRevert", { version: caps.libvirtVersion ?? "?" })}`),
              disabled: !!caps.externalRefusal,
            },
          ]}
        />
        {error && !error.fieldMessage("name") && !error?.fieldMessage("description") ? (
          <Alert tone="error" testId="snapshot-create-error">
            {error.message}
          </Alert>
        ) : null}
      </form>
    </FormDialog>
  );
}

export function RevertDialog({
  base,
  snapshot,
  caps,
  onClose,
  onStarted,
}: {
  base: string;
  snapshot: SnapshotView;
  caps: SnapshotCapabilities;
  onClose: () => void;
  onStarted: Started;
}) {
  const t = useTranslations("snapshots");
  const [after, setAfter] = useState<"as-taken" | "running" | "paused">("as-taken");
  const { busy, error, call } = useApiCall();
  const external = snapshot.location !== "internal" && snapshot.location !== "none";
  return (
    <ConfirmDialog
      open
      title={t("revert.title", { name: snapshot.name })}
      description={t("revert.description")}
      confirmLabel={t("revert.confirm")}
      pending={busy}
      error={error?.message}
      testId="snapshot-revert-dialog"
      onCancel={onClose}
      onConfirm={() =>
        void call(async () => {
          const r = await fetchJson<{ taskId: string }>(`${base}/${enc(snapshot.name)}/revert`, {
            method: "POST",
            body: { after },
          });
          onStarted(r.taskId);
          onClose();
        })
      }
    >
      {external && !caps.externalRevert ? (
        <Alert tone="warning" className="mb-3">
          {t("revert.externalUnsupported", { version: caps.libvirtVersion ?? "?" })}
        </Alert>
      ) : null}
      <Choice
        name="snapshot-after"
        legend={t("revert.after")}
        value={after}
        onChange={setAfter}
        options={[
          {
            value: "as-taken",
            label: t("revert.asTaken", {
              state:
                snapshot.state && t.has(`state.${snapshot.state}`)
                  ? t(`state.${snapshot.state}`)
                  : (snapshot.state ?? "?"),
            }),
          },
          { value: "running", label: t("revert.running") },
          { value: "paused", label: t("revert.paused") },
        ]}
      />
    </ConfirmDialog>
  );
}

export function DeleteDialog({
  base,
  snapshot,
  onClose,
  onStarted,
}: {
  base: string;
  snapshot: SnapshotView;
  onClose: () => void;
  onStarted: Started;
}) {
  const t = useTranslations("snapshots");
  const external = snapshot.location === "external" || snapshot.location === "mixed";
  const [mode, setMode] = useState<SnapshotDeleteMode>(
    external ? "merge" : snapshot.children.length ? "subtree" : "leaf",
  );
  const { busy, error, call } = useApiCall();
  return (
    <ConfirmDialog
      open
      title={t("delete.title", { name: snapshot.name })}
      description={t("delete.description")}
      confirmLabel={mode === "merge" ? t("delete.confirmMerge") : t("delete.confirm")}
      pending={busy}
      error={error?.message}
      testId="snapshot-delete-dialog"
      onCancel={onClose}
      onConfirm={() =>
        void call(async () => {
          const r = await fetchJson<{ taskId: string }>(`${base}/${enc(snapshot.name)}?mode=${mode}`, {
            method: "DELETE",
          });
          onStarted(r.taskId);
          onClose();
        })
      }
    >
      <Choice
        name="snapshot-delete-mode"
        legend={t("delete.mode")}
        value={mode}
        onChange={setMode}
        options={[
          {
            value: "leaf",
            label: t("delete.leaf"),
            hint: snapshot.children.length ? t("delete.leafHasChildren", { count: snapshot.children.length }) : null,
            disabled: external || snapshot.children.length > 0,
          },
          {
            value: "subtree",
            label: t("delete.subtree", { count: snapshot.children.length }),
            disabled: external,
          },
          { value: "merge", label: t("delete.merge"), hint: t("delete.mergeHint"), disabled: !external },
        ]}
      />
    </ConfirmDialog>
  );
}

export function EditDialog({
  base,
  snapshot,
  onClose,
  onSaved,
}: {
  base: string;
  snapshot: SnapshotView;
  onClose: () => void;
  onSaved: () => void;
}) {
  const t = useTranslations("snapshots");
  const [name, setName] = useState(snapshot.name);
  const [description, setDescription] = useState(snapshot.description ?? "");
  const { busy, error, call } = useApiCall();
  const renamable = snapshot.location === "external" && snapshot.children.length === 0;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await call(async () => {
      await fetchJson(`${base}/${enc(snapshot.name)}`, {
        method: "PATCH",
        body: { ...(name !== snapshot.name ? { name } : {}), description },
      });
      onSaved();
      onClose();
    });
  };
  return (
    <FormDialog
      open
      onClose={onClose}
      title={t("edit.title", { name: snapshot.name })}
      formId="snapshot-edit-form"
      submitLabel={t("edit.submit")}
      pending={busy}
      submitTestId="snapshot-edit-submit"
      testId="snapshot-edit-dialog"
    >
      <form id="snapshot-edit-form" onSubmit={submit} className="space-y-4">
        <TextField
          label={t("field.name")}
          error={error?.fieldMessage("name")}
          hint={renamable ? undefined : t("edit.renameInternal")}
          value={name}
          maxLength={100}
          readOnly={!renamable}
          onChange={setName}
          testId="snapshot-edit-name"
        />
        <TextAreaField
          label={t("field.description")}
          error={error?.fieldMessage("description")}
          rows={3}
          maxLength={2000}
          value={description}
          onChange={setDescription}
          testId="snapshot-edit-description"
        />
        {error && !error.fieldMessage("name") && !error?.fieldMessage("description") ? (
          <Alert tone="error">{error.message}</Alert>
        ) : null}
      </form>
    </FormDialog>
  );
}
