"use client";
import { useEffect, useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { Alert, ErrorBanner } from "@/components/ui/alert";
import { FormDialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { CheckField, ChoiceField, TextField } from "@/components/ui/fields";
import {
  DISK_FORMATS,
  FS_FORMATS,
  POOL_DEVICE_TYPES,
  POOL_TYPES,
  type PoolSpecInput,
  type PoolType,
  type PoolView,
} from "@/lib/contracts/storage-pool";

interface Form {
  type: PoolType;
  name: string;
  targetPath: string;
  sourceDevice: string;
  /** logical: one device per line. */
  sourceDevices: string;
  vgName: string;
  sourceHost: string;
  sourcePath: string;
  port: string;
  target: string;
  initiator: string;
  fsFormat: (typeof FS_FORMATS)[number];
  diskFormat: (typeof DISK_FORMATS)[number];
  build: boolean;
  start: boolean;
  autostart: boolean;
}

const EMPTY: Form = {
  type: "dir",
  name: "",
  targetPath: "",
  sourceDevice: "",
  sourceDevices: "",
  vgName: "",
  sourceHost: "",
  sourcePath: "",
  port: "3260",
  target: "",
  initiator: "",
  fsFormat: "ext4",
  diskFormat: "gpt",
  build: true,
  start: true,
  autostart: true,
};

/** The request for the chosen type: only that type's fields (the server refuses others). */
function specOf(f: Form): PoolSpecInput {
  const common = { name: f.name.trim(), start: f.start, autostart: f.autostart };
  const targetPath = f.targetPath.trim();
  switch (f.type) {
    case "dir":
      return { ...common, type: "dir", build: f.build, targetPath };
    case "fs":
      return {
        ...common,
        type: "fs",
        build: f.build,
        sourceDevice: f.sourceDevice.trim(),
        format: f.fsFormat,
        targetPath,
      };
    case "netfs":
      return {
        ...common,
        type: "netfs",
        build: f.build,
        sourceHost: f.sourceHost.trim(),
        sourcePath: f.sourcePath.trim(),
        targetPath,
      };
    case "logical":
      return {
        ...common,
        type: "logical",
        build: f.build,
        sourceDevices: f.sourceDevices
          .split(/[\n,]+/)
          .map((s) => s.trim())
          .filter(Boolean),
        vgName: f.vgName.trim() || undefined,
      };
    case "iscsi":
      return {
        ...common,
        type: "iscsi",
        sourceHost: f.sourceHost.trim(),
        port: Number(f.port),
        target: f.target.trim(),
        initiator: f.initiator.trim() || undefined,
      };
    case "disk":
      return { ...common, type: "disk", build: f.build, sourceDevice: f.sourceDevice.trim(), format: f.diskFormat };
  }
}

/** Create a storage pool of any type libvirt offers here: define, build, start, autostart. */
export function PoolCreateDialog({
  open,
  onClose,
  hostId,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  hostId: string;
  onCreated: (pool: PoolView) => void;
}) {
  const t = useTranslations("pools");
  const [form, setForm] = useState<Form>(EMPTY);
  const { busy, error, setError, call } = useApiCall();
  const set = (patch: Partial<Form>) => setForm((f) => ({ ...f, ...patch }));
  useEffect(() => {
    if (open) {
      setForm(EMPTY);
      setError(null);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- reset the form only when the dialog opens
  }, [open]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    await call(async () => {
      const r = await fetchJson<{ pool: PoolView }>(`/api/hosts/${hostId}/storage/pools`, { body: specOf(form) });
      onCreated(r.pool);
      onClose();
    });
  }

  const fe = (field: string) => error?.fieldMessage(field);
  const devicesError = error?.issues.find((i) => i.path === "sourceDevices" || i.path.startsWith("sourceDevices."));
  const hasTarget = form.type === "dir" || form.type === "fs" || form.type === "netfs";
  const writesDevice = POOL_DEVICE_TYPES.includes(form.type) && form.build;
  const text = (
    field: keyof Form,
    testId: string,
    extra: { placeholder?: string; hint?: string; required?: boolean; label: string },
  ) => (
    <TextField
      {...extra}
      error={fe(field)}
      value={form[field] as string}
      onChange={(v) => set({ [field]: v } as Partial<Form>)}
      testId={testId}
      spellCheck={false}
      autoComplete="off"
    />
  );

  return (
    <FormDialog
      open={open}
      onClose={onClose}
      title={t("create.title")}
      description={t("create.description")}
      testId="pool-create-dialog"
      formId="pool-create-form"
      submitLabel={t("create.submit")}
      cancelLabel={t("close")}
      pending={busy}
      submitTestId="pool-create-submit"
    >
      <form id="pool-create-form" onSubmit={submit} className="space-y-4" noValidate>
        <ChoiceField
          label={t("create.type")}
          hint={t(`typeHint.${form.type}`)}
          error={fe("type")}
          required
          value={form.type}
          choices={POOL_TYPES}
          labelOf={(ty) => t(`type.${ty}`)}
          onChange={(type) => set({ type })}
          testId="pool-create-type"
        />
        {text("name", "pool-create-name", { label: t("create.name"), hint: t("create.nameHint"), required: true })}
        {form.type === "fs" || form.type === "disk"
          ? text("sourceDevice", "pool-create-device", {
              label: t("create.device"),
              placeholder: "/dev/sdb",
              required: true,
            })
          : null}
        {form.type === "logical" ? (
          <>
            <Field label={t("create.devices")} hint={t("create.devicesHint")} error={devicesError?.message}>
              {(p) => (
                <textarea
                  {...p}
                  rows={2}
                  value={form.sourceDevices}
                  onChange={(e) => set({ sourceDevices: e.target.value })}
                  placeholder="/dev/sdb"
                  data-testid="pool-create-devices"
                  spellCheck={false}
                  className="w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm dark:border-slate-700 dark:bg-slate-900"
                />
              )}
            </Field>
            {text("vgName", "pool-create-vg", { label: t("create.vgName"), hint: t("create.vgNameHint") })}
          </>
        ) : null}
        {form.type === "netfs" || form.type === "iscsi"
          ? text("sourceHost", "pool-create-server", {
              label: t("create.server"),
              placeholder: "nfs.example.org",
              required: true,
            })
          : null}
        {form.type === "netfs"
          ? text("sourcePath", "pool-create-export", {
              label: t("create.export"),
              placeholder: "/srv/vm",
              required: true,
            })
          : null}
        {form.type === "iscsi" ? (
          <>
            {text("port", "pool-create-port", { label: t("create.port") })}
            {text("target", "pool-create-target", {
              label: t("create.target"),
              placeholder: "iqn.2026-01.org.example:disk1",
              required: true,
            })}
            {text("initiator", "pool-create-initiator", {
              label: t("create.initiator"),
              hint: t("create.initiatorHint"),
            })}
          </>
        ) : null}
        {form.type === "fs" ? (
          <ChoiceField
            label={t("create.fsFormat")}
            error={fe("format")}
            value={form.fsFormat}
            choices={FS_FORMATS}
            onChange={(fsFormat) => set({ fsFormat })}
            testId="pool-create-fs-format"
          />
        ) : null}
        {form.type === "disk" ? (
          <ChoiceField
            label={t("create.diskFormat")}
            error={fe("format")}
            value={form.diskFormat}
            choices={DISK_FORMATS}
            onChange={(diskFormat) => set({ diskFormat })}
            testId="pool-create-disk-format"
          />
        ) : null}
        {hasTarget
          ? text("targetPath", "pool-create-target-path", {
              label: form.type === "dir" ? t("create.directory") : t("create.mountPoint"),
              placeholder: "/var/lib/libvirt/images/pool",
              required: true,
            })
          : null}
        <div className="flex flex-wrap gap-x-4 gap-y-2 text-sm">
          {form.type !== "iscsi" ? (
            <CheckField
              label={t(`build.${form.type}`)}
              checked={form.build}
              onChange={(build) => set({ build })}
              testId="pool-create-build"
            />
          ) : null}
          <CheckField
            label={t("create.start")}
            checked={form.start}
            onChange={(start) => set({ start })}
            testId="pool-create-start"
          />
          <CheckField
            label={t("create.autostart")}
            checked={form.autostart}
            onChange={(autostart) => set({ autostart })}
            testId="pool-create-autostart"
          />
        </div>
        {writesDevice ? (
          <Alert tone="warning" testId="pool-create-overwrite">
            {t("create.overwriteWarning")}
          </Alert>
        ) : null}
        {error && !error.issues.length ? <ErrorBanner testId="pool-create-error">{error.message}</ErrorBanner> : null}
        {error && error.issues.length && !error.issues.some((i) => fieldShown(i.path, form)) ? (
          <ErrorBanner testId="pool-create-error">{error.message}</ErrorBanner>
        ) : null}
      </form>
    </FormDialog>
  );
}

/** Whether the form shows the field an issue names (else the message goes to the banner). */
function fieldShown(path: string, f: Form): boolean {
  const top = path.split(".")[0] ?? "";
  const shown: Record<PoolType, string[]> = {
    dir: ["name", "targetPath", "type"],
    fs: ["name", "sourceDevice", "format", "targetPath", "type"],
    netfs: ["name", "sourceHost", "sourcePath", "targetPath", "type"],
    logical: ["name", "sourceDevices", "vgName", "type"],
    iscsi: ["name", "sourceHost", "port", "target", "initiator", "type"],
    disk: ["name", "sourceDevice", "format", "type"],
  };
  return shown[f.type].includes(top);
}
