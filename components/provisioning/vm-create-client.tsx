"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";
import { fetchJson, toApiError, type ApiError } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { PageHeader } from "@/components/shell/page-header";
import { Alert, ErrorBanner } from "@/components/ui/alert";
import { Button, buttonClasses } from "@/components/ui/button";
import { Card, CardBody } from "@/components/ui/card";
import { cn, focusRing } from "@/components/ui/cn";
import { Field } from "@/components/ui/field";
import { Input, Select, Textarea } from "@/components/ui/input";
import { vmHref } from "@/components/vms/types";
import { HardwareFields, HARDWARE_DEFAULTS, type HardwareValue } from "./hardware-fields";
import { TaskWatch } from "./task-watch";
import { BaseImageCopyOffer } from "./base-image-copy-offer";
import { useHostOptions, useHosts } from "@/components/data/use-hosts";
import { useTemplates } from "@/components/data/use-templates";
import type { HostView } from "@/components/hosts/types";
import type { MessageRef, PreflightWarning, TemplateView, VmCreateResult } from "@/lib/contracts/provisioning";
import {
  StaticLeaseFields,
  staticLeaseBody,
  type StaticLeaseValue,
} from "@/components/provisioning/static-lease-fields";

type Mode = "template" | "iso" | "import";

/**
 * /vms/new: create a VM from a template (linked clone or full copy, cloud-init for image
 * templates), install from an ISO, or import an existing disk volume. Pre-flight warnings
 * (memory, pool space) are shown before anything is created.
 */
const NO_HOSTS: HostView[] = [];
const NO_TEMPLATES: TemplateView[] = [];

export function VmCreateClient({ initialTemplateId }: { initialTemplateId: string | null }) {
  const t = useTranslations("provisioning");
  const router = useRouter();
  // A host in maintenance takes no new VMs: never offered (nor preselected as a template's default).
  const allHosts = useHosts({ live: false }).hosts ?? NO_HOSTS;
  const hosts = useMemo(() => allHosts.filter((h) => !h.maintenanceSince), [allHosts]);
  const templates = useTemplates().items ?? NO_TEMPLATES;
  const [mode, setMode] = useState<Mode>("template");
  const [hostId, setHostId] = useState<string>("");
  const [templateId, setTemplateId] = useState<string>(initialTemplateId ?? "");
  const [name, setName] = useState("");
  const [title, setTitle] = useState("");
  const [clone, setClone] = useState<"linked" | "full">("linked");
  const [overrides, setOverrides] = useState<{ vcpus: string; memoryMiB: string; diskSizeMiB: string }>({
    vcpus: "",
    memoryMiB: "",
    diskSizeMiB: "",
  });
  const [ci, setCi] = useState({ enabled: false, hostname: "", username: "", password: "", sshKeys: "" });
  const [iso, setIso] = useState("");
  const [importVol, setImportVol] = useState("");
  const [hw, setHw] = useState<HardwareValue>({ ...HARDWARE_DEFAULTS, disks: [] });
  const [start, setStart] = useState(true);
  const [lease, setLease] = useState<StaticLeaseValue>({ network: "", ip: "" });
  const { busy, error, call } = useApiCall();
  const [warning, setWarning] = useState<string | null>(null);
  const [taskId, setTaskId] = useState<string | null>(null);
  /** The chosen host lacks the template's base image (the API's baseImageMissing answer): a copy is offered. */
  const [missing, setMissing] = useState<{ templateId: string; hostId: string; bytes: number | null } | null>(null);
  const { options, loading: optionsLoading, error: optionsError } = useHostOptions(hostId || null);

  const template = useMemo(() => templates.find((x) => x.id === templateId) ?? null, [templates, templateId]);
  useEffect(() => {
    if (hostId) return;
    const preferred =
      template?.defaultHostId && hosts.some((h) => h.id === template.defaultHostId)
        ? template.defaultHostId
        : hosts[0]?.id;
    if (preferred) setHostId(preferred);
  }, [hosts, template, hostId]);
  // An ISO install gets one empty disk in the host's first active pool, once (the user may remove it).
  const diskProposed = useRef(false);
  useEffect(() => {
    if (options && mode === "iso" && !diskProposed.current) {
      diskProposed.current = true;
      setHw((cur) =>
        cur.disks.length
          ? cur
          : {
              ...cur,
              disks: [
                {
                  sizeMiB: 10240,
                  format: "qcow2",
                  bus: "virtio",
                  cache: "default",
                  pool: options.pools.find((p) => p.active)?.name ?? "",
                },
              ],
            },
      );
    }
  }, [options, mode]);

  const imageTemplate = template?.source.kind === "image";
  const leaseNetworks = [...new Set(template?.nics.filter((n) => n.kind === "network").map((n) => n.source) ?? [])];
  const errors = (path: string) => error?.fieldMessage(path);
  const isos = options?.volumes.filter((v) => v.iso) ?? [];
  const disks = options?.volumes.filter((v) => !v.iso) ?? [];
  const split = (v: string) => {
    const [pool, volume] = v.split("\u0000");
    return { pool: pool ?? "", volume: volume ?? "" };
  };
  const num = (s: string) => (s.trim() === "" ? undefined : Number(s));

  function body(acceptWarnings: boolean) {
    const common = { hostId, name, title, start, acceptWarnings };
    if (mode === "template") {
      return {
        ...common,
        mode,
        templateId,
        clone,
        overrides: Object.fromEntries(
          Object.entries({
            vcpus: num(overrides.vcpus),
            memoryMiB: num(overrides.memoryMiB),
            diskSizeMiB: num(overrides.diskSizeMiB),
          }).filter(([, v]) => v !== undefined),
        ),
        cloudInit:
          imageTemplate && ci.enabled
            ? {
                hostname: ci.hostname,
                username: ci.username,
                password: ci.password,
                sshKeys: ci.sshKeys
                  .split("\n")
                  .map((s) => s.trim())
                  .filter(Boolean),
              }
            : null,
        staticLease: staticLeaseBody(lease, leaseNetworks),
      };
    }
    if (mode === "iso") return { ...common, mode, iso: split(iso), hardware: hw };
    const v = split(importVol);
    // The format shown next to the volume is the one declared; the server checks the bytes agree.
    const listed = disks.find((d) => d.pool === v.pool && d.name === v.volume)?.format;
    return {
      ...common,
      mode,
      disk: { pool: v.pool, volume: v.volume, format: listed === "qcow2" ? "qcow2" : "raw", bus: "virtio" },
      hardware: hw,
    };
  }

  /** The pre-flight warnings of a 409 in the user's language; the English message when none are keyed. */
  function warningText(e: ApiError): string {
    const list = Array.isArray(e.data.warnings) ? (e.data.warnings as Partial<PreflightWarning>[]) : [];
    const keyed = list.map((w) => w.messageKey).filter((m): m is MessageRef => !!m && t.has(m.key));
    return keyed.length && keyed.length === list.length ? keyed.map((m) => t(m.key, m.params)).join("; ") : e.message;
  }

  function submit(acceptWarnings: boolean) {
    return call(async () => {
      let r: VmCreateResult;
      try {
        r = await fetchJson<VmCreateResult>("/api/vms/create", { body: body(acceptWarnings) });
      } catch (err) {
        const e = toApiError(err);
        // 409 without field issues: pre-flight warnings the user may accept.
        if (e.code === "conflict" && e.issues.length === 0 && !acceptWarnings) return setWarning(warningText(e));
        if (e.data.baseImageMissing === true) {
          setWarning(null);
          return setMissing({
            templateId: String(e.data.templateId),
            hostId: String(e.data.hostId),
            bytes: typeof e.data.bytes === "number" ? e.data.bytes : null,
          });
        }
        throw e;
      }
      setWarning(null);
      setMissing(null);
      if (r.taskId) setTaskId(r.taskId);
      else if (r.vm) router.push(vmHref(r.vm));
    });
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    void submit(false);
  }

  if (taskId) {
    return (
      <>
        <PageHeader title={t("create.title")} description={t("create.taskRunning")} />
        <Card>
          <CardBody>
            <TaskWatch taskId={taskId} testId="vm-create-task" />
          </CardBody>
        </Card>
      </>
    );
  }

  return (
    <>
      <PageHeader
        title={t("create.title")}
        description={t("create.description")}
        actions={
          <Link href="/vms" className={buttonClasses({ variant: "ghost" })}>
            {t("create.back")}
          </Link>
        }
      />
      <form onSubmit={onSubmit} className="max-w-4xl space-y-6" noValidate data-testid="vm-create-form">
        <div role="radiogroup" aria-label={t("create.mode")} className="flex gap-2">
          {(["template", "iso", "import"] as const).map((m) => (
            <button
              key={m}
              type="button"
              role="radio"
              aria-checked={mode === m}
              data-testid={`vm-create-mode-${m}`}
              onClick={() => setMode(m)}
              className={cn(
                "rounded-md px-3 py-1.5 text-sm font-medium ring-1 ring-inset",
                mode === m
                  ? "bg-indigo-600 text-white ring-indigo-600"
                  : "text-slate-700 ring-slate-300 hover:bg-slate-50 dark:text-slate-200 dark:ring-slate-700 dark:hover:bg-slate-800",
                focusRing,
              )}
            >
              {t(`create.modes.${m}`)}
            </button>
          ))}
        </div>

        {error ? (
          <ErrorBanner testId="vm-create-error" title={t("create.failed")}>
            {error.message}
          </ErrorBanner>
        ) : null}
        {missing && mode === "template" && missing.hostId === hostId && missing.templateId === templateId ? (
          <BaseImageCopyOffer
            templateId={missing.templateId}
            hostId={missing.hostId}
            hostName={hosts.find((h) => h.id === missing.hostId)?.name ?? missing.hostId}
            bytes={missing.bytes}
            pools={options?.pools.filter((p) => p.active).map((p) => p.name) ?? []}
            onCopied={() => {
              setMissing(null);
              void submit(false);
            }}
          />
        ) : null}
        {warning ? (
          <Alert
            tone="warning"
            testId="vm-create-warning"
            title={t("create.warningTitle")}
            action={
              <Button
                size="sm"
                variant="secondary"
                onClick={() => void submit(true)}
                loading={busy}
                testId="vm-create-accept-warnings"
              >
                {t("create.createAnyway")}
              </Button>
            }
          >
            {warning}
          </Alert>
        ) : null}

        <div className="grid grid-cols-1 gap-4 sm:grid-cols-3">
          {mode === "template" ? (
            <Field label={t("create.template")} error={errors("templateId")} required>
              {(p) => (
                <Select
                  {...p}
                  value={templateId}
                  onChange={(e) => setTemplateId(e.target.value)}
                  testId="vm-create-template"
                >
                  <option value="">{t("hw.choose")}</option>
                  {templates.map((x) => (
                    <option key={x.id} value={x.id}>
                      {x.name}
                    </option>
                  ))}
                </Select>
              )}
            </Field>
          ) : null}
          <Field
            label={t("create.host")}
            error={errors("hostId")}
            hint={optionsLoading ? t("create.loadingHost") : (optionsError ?? undefined)}
            required
          >
            {(p) => (
              <Select {...p} value={hostId} onChange={(e) => setHostId(e.target.value)} testId="vm-create-host">
                <option value="">{t("hw.choose")}</option>
                {hosts.map((h) => (
                  <option key={h.id} value={h.id}>
                    {h.name}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <Field label={t("create.name")} error={errors("name")} hint={t("create.nameHint")} required>
            {(p) => (
              <Input
                {...p}
                value={name}
                onChange={(e) => setName(e.target.value)}
                autoComplete="off"
                testId="vm-create-name"
              />
            )}
          </Field>
          <Field label={t("create.vmTitle")} error={errors("title")} className="sm:col-span-2">
            {(p) => <Input {...p} value={title} onChange={(e) => setTitle(e.target.value)} testId="vm-create-title" />}
          </Field>
        </div>

        {mode === "template" && template ? (
          <div className="space-y-4" data-testid="vm-create-template-options">
            {template.description ? (
              <p className="text-sm text-slate-600 dark:text-slate-400">{template.description}</p>
            ) : null}
            {imageTemplate ? (
              <fieldset className="space-y-2">
                <legend className="text-sm font-medium">{t("create.cloneMode")}</legend>
                {(["linked", "full"] as const).map((c) => (
                  <label key={c} className="flex items-start gap-2 text-sm">
                    <input
                      type="radio"
                      name="clone"
                      checked={clone === c}
                      onChange={() => setClone(c)}
                      data-testid={`vm-create-clone-${c}`}
                      className="mt-1"
                    />
                    <span>
                      <span className="font-medium">{t(`create.clone.${c}`)}</span>
                      <span className="block text-xs text-slate-600 dark:text-slate-400">
                        {t(`create.cloneHint.${c}`)}
                      </span>
                    </span>
                  </label>
                ))}
              </fieldset>
            ) : null}
            <div className="grid grid-cols-1 gap-4 sm:grid-cols-3">
              <Field
                label={t("hw.vcpus")}
                hint={t("create.defaultIs", { value: template.vcpus })}
                error={errors("overrides.vcpus")}
              >
                {(p) => (
                  <Input
                    {...p}
                    type="number"
                    min={1}
                    value={overrides.vcpus}
                    placeholder={String(template.vcpus)}
                    onChange={(e) => setOverrides({ ...overrides, vcpus: e.target.value })}
                    testId="vm-create-vcpus"
                  />
                )}
              </Field>
              <Field
                label={t("hw.memory")}
                hint={t("create.defaultIs", { value: template.memoryMiB })}
                error={errors("overrides.memoryMiB")}
              >
                {(p) => (
                  <Input
                    {...p}
                    type="number"
                    min={16}
                    value={overrides.memoryMiB}
                    placeholder={String(template.memoryMiB)}
                    onChange={(e) => setOverrides({ ...overrides, memoryMiB: e.target.value })}
                    testId="vm-create-memory"
                  />
                )}
              </Field>
              {template.disks[0] ? (
                <Field
                  label={t("create.diskSize")}
                  hint={t("create.defaultIs", { value: template.disks[0].sizeMiB })}
                  error={errors("overrides.diskSizeMiB")}
                >
                  {(p) => (
                    <Input
                      {...p}
                      type="number"
                      min={1}
                      value={overrides.diskSizeMiB}
                      placeholder={String(template.disks[0].sizeMiB)}
                      onChange={(e) => setOverrides({ ...overrides, diskSizeMiB: e.target.value })}
                      testId="vm-create-disk-size"
                    />
                  )}
                </Field>
              ) : null}
            </div>
            <StaticLeaseFields networks={leaseNetworks} value={lease} onChange={setLease} errors={errors} />
            {imageTemplate ? (
              <fieldset className="space-y-3">
                <label className="flex items-center gap-2 text-sm font-medium">
                  <input
                    type="checkbox"
                    checked={ci.enabled}
                    onChange={(e) => setCi({ ...ci, enabled: e.target.checked })}
                    data-testid="vm-create-ci"
                  />
                  {t("create.cloudInit")}
                </label>
                {ci.enabled ? (
                  <div className="grid grid-cols-1 gap-4 sm:grid-cols-3">
                    <Field label={t("create.ciHostname")} error={errors("cloudInit.hostname")}>
                      {(p) => (
                        <Input
                          {...p}
                          value={ci.hostname}
                          onChange={(e) => setCi({ ...ci, hostname: e.target.value })}
                          testId="vm-create-ci-hostname"
                        />
                      )}
                    </Field>
                    <Field label={t("create.ciUser")} error={errors("cloudInit.username")}>
                      {(p) => (
                        <Input
                          {...p}
                          value={ci.username}
                          onChange={(e) => setCi({ ...ci, username: e.target.value })}
                          testId="vm-create-ci-user"
                        />
                      )}
                    </Field>
                    <Field label={t("create.ciPassword")} error={errors("cloudInit.password")}>
                      {(p) => (
                        <Input
                          {...p}
                          type="password"
                          autoComplete="new-password"
                          value={ci.password}
                          onChange={(e) => setCi({ ...ci, password: e.target.value })}
                          testId="vm-create-ci-password"
                        />
                      )}
                    </Field>
                    <Field
                      label={t("create.ciKeys")}
                      hint={t("create.ciKeysHint")}
                      error={errors("cloudInit.sshKeys") ?? errors("cloudInit.sshKeys.0")}
                      className="sm:col-span-3"
                    >
                      {(p) => (
                        <Textarea
                          {...p}
                          rows={3}
                          className="font-mono text-xs"
                          value={ci.sshKeys}
                          onChange={(e) => setCi({ ...ci, sshKeys: e.target.value })}
                          testId="vm-create-ci-keys"
                        />
                      )}
                    </Field>
                  </div>
                ) : null}
              </fieldset>
            ) : null}
          </div>
        ) : null}

        {mode === "iso" ? (
          <Field label={t("create.iso")} error={errors("iso.volume") ?? errors("iso.pool")} required>
            {(p) => (
              <Select {...p} value={iso} onChange={(e) => setIso(e.target.value)} testId="vm-create-iso">
                <option value="">{isos.length ? t("hw.choose") : t("create.noIsos")}</option>
                {isos.map((v) => (
                  <option key={`${v.pool}/${v.name}`} value={`${v.pool}\u0000${v.name}`}>
                    {v.pool} / {v.name}
                  </option>
                ))}
              </Select>
            )}
          </Field>
        ) : null}
        {mode === "import" ? (
          <Field
            label={t("create.importVolume")}
            error={errors("disk.volume") ?? errors("disk.pool")}
            hint={t("create.importHint")}
            required
          >
            {(p) => (
              <Select {...p} value={importVol} onChange={(e) => setImportVol(e.target.value)} testId="vm-create-import">
                <option value="">{t("hw.choose")}</option>
                {disks.map((v) => (
                  <option key={`${v.pool}/${v.name}`} value={`${v.pool}\u0000${v.name}`}>
                    {v.pool} / {v.name} ({v.format})
                  </option>
                ))}
              </Select>
            )}
          </Field>
        ) : null}
        {mode !== "template" ? (
          <HardwareFields
            value={hw}
            onChange={setHw}
            options={options}
            errors={(p) => errors(`hardware.${p}`)}
            diskLabel={mode === "import" ? (i) => t("create.extraDisk", { n: i + 1 }) : undefined}
          />
        ) : null}

        <label className="flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            checked={start}
            onChange={(e) => setStart(e.target.checked)}
            data-testid="vm-create-start"
          />
          {t("create.start")}
        </label>
        <div className="flex gap-2">
          <Button
            type="submit"
            loading={busy}
            disabled={!hostId || !name || (mode === "template" && !templateId)}
            testId="vm-create-submit"
          >
            {t("create.submit")}
          </Button>
        </div>
      </form>
    </>
  );
}
