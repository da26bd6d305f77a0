"use client";

import { useEffect, useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { ErrorBanner } from "@/components/ui/alert";
import { FormDialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input, Select, Textarea } from "@/components/ui/input";
import { HardwareFields, HARDWARE_DEFAULTS, type HardwareValue } from "@/components/provisioning/hardware-fields";
import { useHostOptions } from "@/components/data/use-hosts";
import type { HostChoice } from "@/components/provisioning/use-host-options";
import type { SourceSpec, TemplateView } from "@/lib/contracts/provisioning";

interface FormValue extends HardwareValue {
  name: string;
  description: string;
  source: SourceSpec;
  cloudInit: { userData: string; metaData: string; networkConfig: string } | null;
  defaultHostId: string | null;
}

const EMPTY: FormValue = {
  ...HARDWARE_DEFAULTS,
  name: "",
  description: "",
  disks: [{ sizeMiB: 10240, format: "qcow2", bus: "virtio", cache: "default", pool: "" }],
  source: { kind: "none" },
  cloudInit: null,
  defaultHostId: null,
};

function fromView(t: TemplateView): FormValue {
  const { id: _i, createdAt: _c, updatedAt: _u, createdBy: _b, ...rest } = t;
  return rest;
}

/** Create or edit a template; the options (pools, ISOs, networks) come from the chosen host. */
export function TemplateFormDialog({
  open,
  template,
  hosts,
  onClose,
  onSaved,
}: {
  open: boolean;
  /** null: a new template. */
  template: TemplateView | null;
  hosts: HostChoice[];
  onClose: () => void;
  onSaved: (t: TemplateView) => void;
}) {
  const t = useTranslations("templates");
  const tp = useTranslations("provisioning");
  const tc = useTranslations("common");
  const [value, setValue] = useState<FormValue>(EMPTY);
  const [optionsHost, setOptionsHost] = useState<string | null>(null);
  const { busy, error, setError, call } = useApiCall();
  const { options, loading, error: optionsError } = useHostOptions(optionsHost);

  // Reset when the dialog opens (not when the host list arrives: that would drop what was typed).
  useEffect(() => {
    if (!open) return;
    setValue(template ? fromView(template) : EMPTY);
    setError(null);
    setOptionsHost(template?.defaultHostId ?? null);
  }, [open, template, setError]);
  useEffect(() => {
    if (open && hosts.length) setOptionsHost((cur) => cur ?? hosts[0].id);
  }, [open, hosts]);

  const errors = (path: string) => error?.fieldMessage(path);
  const set = <K extends keyof FormValue>(k: K, v: FormValue[K]) => setValue((cur) => ({ ...cur, [k]: v }));
  const volumes = options?.volumes ?? [];
  const src = value.source;

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    await call(async () => {
      const r = template
        ? await fetchJson<{ template: TemplateView }>(`/api/templates/${encodeURIComponent(template.id)}`, {
            method: "PUT",
            body: value,
          })
        : await fetchJson<{ template: TemplateView }>("/api/templates", { body: value });
      onSaved(r.template);
      onClose();
    });
  }

  return (
    <FormDialog
      open={open}
      onClose={onClose}
      size="lg"
      testId="template-form"
      title={template ? t("form.editTitle", { name: template.name }) : t("form.createTitle")}
      formId="template-form-el"
      submitLabel={tc("actions.save")}
      pending={busy}
      submitTestId="template-form-save"
      cancelTestId="template-form-cancel"
    >
      <form
        id="template-form-el"
        onSubmit={onSubmit}
        className="max-h-[65vh] space-y-5 overflow-y-auto pr-1"
        noValidate
      >
        {error ? (
          <ErrorBanner testId="template-form-error" title={t("form.saveFailed")}>
            {error.message}
          </ErrorBanner>
        ) : null}
        <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
          <Field label={t("form.name")} error={errors("name")} required>
            {(p) => (
              <Input
                {...p}
                value={value.name}
                onChange={(e) => set("name", e.target.value)}
                data-autofocus
                testId="template-name"
              />
            )}
          </Field>
          <Field label={t("form.defaultHost")} hint={t("form.defaultHostHint")}>
            {(p) => (
              <Select
                {...p}
                value={value.defaultHostId ?? ""}
                onChange={(e) => {
                  set("defaultHostId", e.target.value || null);
                  if (e.target.value) setOptionsHost(e.target.value);
                }}
                testId="template-default-host"
              >
                <option value="">{t("form.anyHost")}</option>
                {hosts.map((h) => (
                  <option key={h.id} value={h.id}>
                    {h.name}
                  </option>
                ))}
              </Select>
            )}
          </Field>
        </div>
        <Field label={t("form.description")} error={errors("description")}>
          {(p) => (
            <Textarea
              {...p}
              rows={2}
              value={value.description}
              onChange={(e) => set("description", e.target.value)}
              testId="template-description"
            />
          )}
        </Field>
        <Field
          label={t("form.optionsHost")}
          hint={loading ? tc("status.loading") : (optionsError ?? t("form.optionsHostHint"))}
        >
          {(p) => (
            <Select
              {...p}
              value={optionsHost ?? ""}
              onChange={(e) => setOptionsHost(e.target.value || null)}
              testId="template-options-host"
            >
              <option value="">—</option>
              {hosts.map((h) => (
                <option key={h.id} value={h.id}>
                  {h.name}
                </option>
              ))}
            </Select>
          )}
        </Field>

        <fieldset className="space-y-3">
          <legend className="text-sm font-medium text-slate-900 dark:text-slate-100">{t("form.source")}</legend>
          <div className="grid grid-cols-1 gap-4 sm:grid-cols-3">
            <Field label={t("form.sourceKind")}>
              {(p) => (
                <Select
                  {...p}
                  value={src.kind}
                  onChange={(e) => {
                    const kind = e.target.value as SourceSpec["kind"];
                    set("source", kind === "iso" || kind === "image" ? { kind, pool: "", volume: "" } : { kind });
                  }}
                  testId="template-source-kind"
                >
                  {(["none", "image", "iso", "pxe"] as const).map((k) => (
                    <option key={k} value={k}>
                      {t(`form.sourceKinds.${k}`)}
                    </option>
                  ))}
                </Select>
              )}
            </Field>
            {src.kind === "iso" || src.kind === "image" ? (
              <Field
                label={src.kind === "iso" ? t("form.iso") : t("form.baseImage")}
                error={errors("source.volume") ?? errors("source.pool")}
                required
                className="sm:col-span-2"
              >
                {(p) => (
                  <Select
                    {...p}
                    value={src.pool && src.volume ? `${src.pool}\u0000${src.volume}` : ""}
                    onChange={(e) => {
                      const [pool, volume] = e.target.value.split("\u0000");
                      set("source", { kind: src.kind, pool: pool ?? "", volume: volume ?? "" });
                    }}
                    testId="template-source-volume"
                  >
                    <option value="">{tp("hw.choose")}</option>
                    {volumes
                      .filter((v) => (src.kind === "iso" ? v.iso : !v.iso))
                      .map((v) => (
                        <option key={`${v.pool}/${v.name}`} value={`${v.pool}\u0000${v.name}`}>
                          {v.pool} / {v.name} {v.format ? `(${v.format})` : ""}
                        </option>
                      ))}
                    {src.pool && src.volume && !volumes.some((v) => v.pool === src.pool && v.name === src.volume) ? (
                      <option value={`${src.pool}\u0000${src.volume}`}>
                        {src.pool} / {src.volume}
                      </option>
                    ) : null}
                  </Select>
                )}
              </Field>
            ) : null}
          </div>
        </fieldset>

        <HardwareFields
          value={value}
          onChange={(hw) => setValue((cur) => ({ ...cur, ...hw }))}
          options={options}
          errors={errors}
          diskLabel={(i) => (i === 0 && src.kind === "image" ? t("form.firstDiskImage") : undefined)}
        />

        <fieldset className="space-y-3">
          <legend className="text-sm font-medium text-slate-900 dark:text-slate-100">{t("form.cloudInit")}</legend>
          <label className="flex items-center gap-2 text-sm text-slate-800 dark:text-slate-200">
            <input
              type="checkbox"
              checked={value.cloudInit !== null}
              onChange={(e) =>
                set(
                  "cloudInit",
                  e.target.checked ? { userData: "#cloud-config\n", metaData: "", networkConfig: "" } : null,
                )
              }
              data-testid="template-cloud-init"
            />
            {t("form.cloudInitEnable")}
          </label>
          {value.cloudInit ? (
            <div className="grid grid-cols-1 gap-3">
              {(["userData", "metaData", "networkConfig"] as const).map((k) => (
                <Field key={k} label={t(`form.${k}`)} error={errors(`cloudInit.${k}`)}>
                  {(p) => (
                    <Textarea
                      {...p}
                      rows={k === "userData" ? 5 : 2}
                      className="font-mono text-xs"
                      value={value.cloudInit![k]}
                      onChange={(e) => set("cloudInit", { ...value.cloudInit!, [k]: e.target.value })}
                      testId={`template-ci-${k}`}
                    />
                  )}
                </Field>
              ))}
            </div>
          ) : null}
        </fieldset>
      </form>
    </FormDialog>
  );
}
