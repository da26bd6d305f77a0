"use client";

import { useEffect, useState, type ReactNode } from "react";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { Alert, ErrorBanner } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button, Spinner } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { ConfirmDialog, Dialog } from "@/components/ui/dialog";
import { ChoiceField, NumberField } from "@/components/ui/fields";
import { Field } from "@/components/ui/field";
import { Input, Select, Textarea } from "@/components/ui/input";
import { TBody, TD, TH, THead, TR, Table, TableEmpty } from "@/components/ui/table";
import { DISK_BUSES, DISK_FORMATS, NIC_MODELS } from "@/lib/contracts/provisioning";
import type { VmEditInput, VmEditNote, VmEditResult, VmHardwareResponse } from "@/lib/contracts/hardware";
import { TaskWatch } from "./task-watch";
import { useHostOptions } from "@/components/data/use-hosts";
import { useVmHardware } from "@/components/data/use-vms";

/** A removal to confirm; `volumeOption`: a disk whose volume may be deleted along with it (off by default). */
type Confirm = { title: string; body: string; edit: VmEditInput; testId: string; volumeOption?: boolean } | null;

/**
 * The VM page's Hardware tab: CPU, memory, boot, autostart, title, disks, CD-ROM media and NICs,
 * edited through PATCH /hardware (persistent definition, then live where possible); what applies
 * only after a shutdown is listed with its live and persistent values. Clone and "convert to
 * template" live here too.
 */
export function VmHardwarePanel({
  hostId,
  uuid,
  canEdit,
  canClone,
  canTemplate,
  onChanged,
}: {
  hostId: string;
  uuid: string;
  canEdit: boolean;
  canClone: boolean;
  canTemplate: boolean;
  onChanged?: () => void;
}) {
  const t = useTranslations("provisioning");
  const tc = useTranslations("common");
  const path = `/api/vms/${encodeURIComponent(hostId)}/${encodeURIComponent(uuid)}`;
  const hardware = useVmHardware(hostId, uuid);
  const hw = hardware.data?.hardware ?? null;
  const loadError = hardware.error?.message ?? null;
  const { busy, error, setError, call } = useApiCall();
  const [result, setResult] = useState<VmEditResult | null>(null);
  const [confirm, setConfirm] = useState<Confirm>(null);
  const [cloneOpen, setCloneOpen] = useState(false);
  const [templateOpen, setTemplateOpen] = useState(false);
  const [unmarkOpen, setUnmarkOpen] = useState(false);
  const [deleteVolume, setDeleteVolume] = useState(false);
  const { options } = useHostOptions(canEdit ? hostId : null);

  /** After a change that also shows elsewhere on the page (the VM's template mark). */
  const reloadAll = () => {
    void hardware.mutate();
    onChanged?.();
  };

  /** A change the server reported as a message key (hwEdit.*), with why it waits when it does. */
  const note = (n: VmEditNote): string => {
    const what = t(n.key, n.params);
    return n.reason ? t(n.reason.key, { ...n.reason.params, what }) : what;
  };

  const apply = (edit: VmEditInput): Promise<boolean> =>
    call(async () => {
      const r = await fetchJson<{ result: VmEditResult; hardware: VmHardwareResponse }>(`${path}/hardware`, {
        method: "PATCH",
        body: edit,
      });
      void hardware.mutate({ hardware: r.hardware }, { revalidate: false });
      setResult(r.result);
      onChanged?.();
    });

  if (!hw) {
    return loadError ? (
      <ErrorBanner testId="hw-load-error" title={t("hwPanel.loadFailed")}>
        {loadError}
      </ErrorBanner>
    ) : (
      <p className="flex items-center gap-2 text-sm text-slate-600 dark:text-slate-400">
        <Spinner /> {tc("status.loading")}
      </p>
    );
  }
  const p = hw.persistent;
  const pools = options?.pools.filter((x) => x.active) ?? [];
  const isos = options?.volumes.filter((v) => v.iso) ?? [];

  return (
    <div className="space-y-4" data-testid="vm-hardware" data-running={hw.running} data-template={hw.template}>
      {hw.template ? (
        <Alert tone="info" testId="hw-template-note">
          {t("hwPanel.templateNote")}
        </Alert>
      ) : null}
      {error ? (
        <ErrorBanner testId="hw-error" title={t("hwPanel.failed")} onDismiss={() => setError(null)}>
          {error.message}
        </ErrorBanner>
      ) : null}
      {result ? (
        <Alert
          tone={result.afterShutdown.length ? "warning" : "success"}
          testId="hw-result"
          onDismiss={() => setResult(null)}
        >
          {result.live.length ? (
            <p data-testid="hw-result-live">{t("hwPanel.appliedNow", { list: result.live.map(note).join("; ") })}</p>
          ) : null}
          {result.afterShutdown.length ? (
            <p data-testid="hw-result-pending">
              {t("hwPanel.appliesAfter", { list: result.afterShutdown.map(note).join("; ") })}
            </p>
          ) : null}
        </Alert>
      ) : null}
      {hw.pending.length ? (
        <Card testId="hw-pending">
          <CardHeader title={t("hwPanel.pendingTitle")} description={t("hwPanel.pendingBody")} />
          <CardBody>
            <Table caption={t("hwPanel.pendingTitle")}>
              <THead>
                <TR>
                  <TH>{t("hwPanel.field")}</TH>
                  <TH>{t("hwPanel.live")}</TH>
                  <TH>{t("hwPanel.persistent")}</TH>
                </TR>
              </THead>
              <TBody>
                {hw.pending.map((d) => (
                  <TR key={d.field} testId="hw-pending-row" data-field={d.field}>
                    <TD>{t.has(`hwPanel.fields.${d.field}`) ? t(`hwPanel.fields.${d.field}`) : d.field}</TD>
                    <TD wrap className="font-mono text-xs" data-testid="hw-pending-live">
                      {d.live}
                    </TD>
                    <TD wrap className="font-mono text-xs" data-testid="hw-pending-persistent">
                      {d.persistent}
                    </TD>
                  </TR>
                ))}
              </TBody>
            </Table>
          </CardBody>
        </Card>
      ) : null}

      <div className="grid gap-4 lg:grid-cols-2">
        <CpuMemoryCard hw={hw} disabled={!canEdit || busy} onApply={apply} />
        <GeneralCard hw={hw} disabled={!canEdit || busy} onApply={apply} />
      </div>

      <Card testId="hw-disks">
        <CardHeader title={t("hwPanel.disks")} />
        <CardBody className="space-y-3">
          <Table caption={t("hwPanel.disks")}>
            <THead>
              <TR>
                <TH>{t("hwPanel.target")}</TH>
                <TH>{t("hwPanel.device")}</TH>
                <TH>{t("hw.bus")}</TH>
                <TH>{t("hwPanel.source")}</TH>
                <TH className="text-right">{t("hwPanel.actions")}</TH>
              </TR>
            </THead>
            <TBody>
              {p.disks.length === 0 ? <TableEmpty colSpan={5}>{t("hwPanel.noDisks")}</TableEmpty> : null}
              {p.disks.map((d) => (
                <TR key={d.target} testId="hw-disk" data-target={d.target}>
                  <TD className="font-mono text-xs">{d.target}</TD>
                  <TD>{d.device}</TD>
                  <TD>{d.bus}</TD>
                  <TD wrap className="max-w-96 font-mono text-xs [overflow-wrap:anywhere]" data-testid="hw-disk-source">
                    {d.source || <span className="text-slate-500 dark:text-slate-400">{t("hwPanel.empty")}</span>}
                  </TD>
                  <TD className="text-right">
                    {canEdit ? (
                      <div className="flex justify-end gap-1">
                        {d.device === "cdrom" && d.source ? (
                          <Button
                            size="sm"
                            variant="secondary"
                            disabled={busy}
                            onClick={() => void apply({ ejectIso: d.target })}
                            testId="hw-disk-eject"
                          >
                            {t("hwPanel.eject")}
                          </Button>
                        ) : null}
                        {d.device === "disk" ? (
                          <ResizeButton target={d.target} disabled={busy} onApply={apply} />
                        ) : null}
                        <Button
                          size="sm"
                          variant="danger"
                          disabled={busy}
                          onClick={() => {
                            setDeleteVolume(false);
                            setError(null);
                            setConfirm({
                              title: t("hwPanel.removeDiskTitle", { target: d.target }),
                              body: t("hwPanel.removeDiskBody"),
                              edit: { removeDisk: d.target },
                              testId: "hw-disk-remove-dialog",
                              volumeOption: d.device === "disk" && !!d.source,
                            });
                          }}
                          testId="hw-disk-remove"
                        >
                          {t("hwPanel.remove")}
                        </Button>
                      </div>
                    ) : null}
                  </TD>
                </TR>
              ))}
            </TBody>
          </Table>
          {canEdit ? (
            <div className="grid gap-4 md:grid-cols-2">
              <AddDiskForm pools={pools.map((x) => x.name)} disabled={busy} onApply={apply} />
              <InlineForm
                testId="hw-iso"
                label={t("hwPanel.insertIso")}
                disabled={busy || !isos.length}
                render={(value, setValue) => (
                  <Select
                    value={value}
                    onChange={(e) => setValue(e.target.value)}
                    testId="hw-iso-select"
                    aria-label={t("hwPanel.insertIso")}
                  >
                    <option value="">{isos.length ? t("hw.choose") : t("create.noIsos")}</option>
                    {isos.map((v) => (
                      <option key={`${v.pool}/${v.name}`} value={`${v.pool}\u0000${v.name}`}>
                        {v.pool} / {v.name}
                      </option>
                    ))}
                  </Select>
                )}
                submitLabel={t("hwPanel.insert")}
                onSubmit={(value) => {
                  const [pool, volume] = value.split("\u0000");
                  return apply({ attachIso: { pool, volume } });
                }}
              />
            </div>
          ) : null}
        </CardBody>
      </Card>

      <Card testId="hw-nics">
        <CardHeader title={t("hwPanel.nics")} />
        <CardBody className="space-y-3">
          <Table caption={t("hwPanel.nics")}>
            <THead>
              <TR>
                <TH>MAC</TH>
                <TH>{t("hw.nicKind")}</TH>
                <TH>{t("hw.nicSource")}</TH>
                <TH>{t("hw.nicModel")}</TH>
                <TH className="text-right">{t("hwPanel.actions")}</TH>
              </TR>
            </THead>
            <TBody>
              {p.nics.length === 0 ? <TableEmpty colSpan={5}>{t("hwPanel.noNics")}</TableEmpty> : null}
              {p.nics.map((n) => (
                <TR key={n.mac || n.source} testId="hw-nic" data-mac={n.mac}>
                  <TD className="font-mono text-xs">{n.mac}</TD>
                  <TD>{n.kind}</TD>
                  <TD>{n.source}</TD>
                  <TD>{n.model}</TD>
                  <TD className="text-right">
                    {canEdit && n.mac ? (
                      <Button
                        size="sm"
                        variant="danger"
                        disabled={busy}
                        onClick={() =>
                          setConfirm({
                            title: t("hwPanel.removeNicTitle", { mac: n.mac }),
                            body: t("hwPanel.removeNicBody"),
                            edit: { removeNic: n.mac },
                            testId: "hw-nic-remove-dialog",
                          })
                        }
                        testId="hw-nic-remove"
                      >
                        {t("hwPanel.remove")}
                      </Button>
                    ) : null}
                  </TD>
                </TR>
              ))}
            </TBody>
          </Table>
          {canEdit ? (
            <AddNicForm
              networks={options?.networks.map((x) => x.name) ?? []}
              mayBridge={options?.mayBridge ?? false}
              disabled={busy}
              onApply={apply}
            />
          ) : null}
        </CardBody>
      </Card>

      {canClone || canTemplate ? (
        <Card testId="hw-lifecycle">
          <CardHeader title={t("hwPanel.copies")} description={hw.running ? t("hwPanel.shutDownFirst") : undefined} />
          <CardBody className="flex flex-wrap gap-2">
            {canClone ? (
              <Button
                variant="secondary"
                disabled={hw.running}
                onClick={() => setCloneOpen(true)}
                testId="vm-clone-open"
              >
                {t("clone.open")}
              </Button>
            ) : null}
            {canTemplate && !hw.template ? (
              <Button
                variant="secondary"
                disabled={hw.running}
                onClick={() => setTemplateOpen(true)}
                testId="vm-to-template-open"
              >
                {t("toTemplate.open")}
              </Button>
            ) : null}
            {canTemplate && hw.template ? (
              <Button variant="secondary" onClick={() => setUnmarkOpen(true)} testId="vm-unmark-template-open">
                {t("unmarkTemplate.open")}
              </Button>
            ) : null}
          </CardBody>
        </Card>
      ) : null}

      <ConfirmDialog
        open={!!confirm}
        testId={confirm?.testId ?? "hw-confirm"}
        title={confirm?.title ?? ""}
        description={confirm?.body}
        confirmLabel={t("hwPanel.remove")}
        pending={busy}
        error={confirm ? (error?.message ?? null) : null}
        onConfirm={() => {
          if (!confirm) return;
          const edit =
            confirm.volumeOption && deleteVolume ? { ...confirm.edit, deleteRemovedVolume: true } : confirm.edit;
          void apply(edit).then((ok) => ok && setConfirm(null));
        }}
        onCancel={() => {
          setConfirm(null);
          setError(null);
        }}
      >
        {confirm?.volumeOption ? (
          <label className="flex items-start gap-2 text-sm">
            <input
              type="checkbox"
              className="mt-1"
              checked={deleteVolume}
              disabled={busy}
              onChange={(e) => setDeleteVolume(e.target.checked)}
              data-testid="hw-disk-remove-delete-volume"
            />
            <span>
              {t("hwPanel.deleteVolume")}
              <span className="block text-xs text-slate-600 dark:text-slate-400">{t("hwPanel.deleteVolumeHint")}</span>
            </span>
          </label>
        ) : null}
      </ConfirmDialog>
      {canClone ? (
        <CloneDialog
          open={cloneOpen}
          path={path}
          template={hw.template}
          name={hw.name}
          onClose={() => setCloneOpen(false)}
        />
      ) : null}
      {canTemplate ? (
        <ToTemplateDialog
          open={templateOpen}
          path={path}
          name={hw.name}
          onClose={() => setTemplateOpen(false)}
          onDone={reloadAll}
        />
      ) : null}
      {canTemplate ? (
        <UnmarkTemplateDialog
          open={unmarkOpen}
          path={path}
          name={hw.name}
          onClose={() => setUnmarkOpen(false)}
          onDone={reloadAll}
        />
      ) : null}
    </div>
  );
}

/** The CPU and memory card's fields: form key, label key, minimum, test id. */
const CPU_MEMORY_FIELDS = [
  ["vcpus", "hw.vcpus", 1, "hw-edit-vcpus"],
  ["memoryMiB", "hw.memory", 16, "hw-edit-memory"],
  ["maxMemoryMiB", "hw.maxMemory", 16, "hw-edit-max-memory"],
] as const;

function CpuMemoryCard({
  hw,
  disabled,
  onApply,
}: {
  hw: VmHardwareResponse;
  disabled: boolean;
  onApply: (e: VmEditInput) => Promise<boolean>;
}) {
  const t = useTranslations("provisioning");
  const tc = useTranslations("common");
  const [v, setV] = useState({
    vcpus: String(hw.persistent.vcpus),
    memoryMiB: String(hw.persistent.memoryMiB),
    maxMemoryMiB: String(hw.persistent.maxMemoryMiB),
  });
  useEffect(
    () =>
      setV({
        vcpus: String(hw.persistent.vcpus),
        memoryMiB: String(hw.persistent.memoryMiB),
        maxMemoryMiB: String(hw.persistent.maxMemoryMiB),
      }),
    [hw.persistent.vcpus, hw.persistent.memoryMiB, hw.persistent.maxMemoryMiB],
  );
  const edit: VmEditInput = {};
  if (Number(v.vcpus) !== hw.persistent.vcpus) edit.vcpus = Number(v.vcpus);
  if (Number(v.memoryMiB) !== hw.persistent.memoryMiB) edit.memoryMiB = Number(v.memoryMiB);
  if (Number(v.maxMemoryMiB) !== hw.persistent.maxMemoryMiB) edit.maxMemoryMiB = Number(v.maxMemoryMiB);
  return (
    <Card testId="hw-cpu-memory">
      <CardHeader title={t("hwPanel.cpuMemory")} description={hw.running ? t("hwPanel.cpuMemoryLive") : undefined} />
      <CardBody className="space-y-3">
        <div className="grid grid-cols-3 gap-3">
          {CPU_MEMORY_FIELDS.map(([key, label, min, testId]) => (
            <NumberField
              key={key}
              label={t(label)}
              min={min}
              value={v[key]}
              disabled={disabled}
              onChange={(text) => setV({ ...v, [key]: text })}
              testId={testId}
            />
          ))}
        </div>
        <Button
          size="sm"
          disabled={disabled || Object.keys(edit).length === 0}
          onClick={() => void onApply(edit)}
          testId="hw-edit-cpu-save"
        >
          {tc("actions.save")}
        </Button>
      </CardBody>
    </Card>
  );
}

function GeneralCard({
  hw,
  disabled,
  onApply,
}: {
  hw: VmHardwareResponse;
  disabled: boolean;
  onApply: (e: VmEditInput) => Promise<boolean>;
}) {
  const t = useTranslations("provisioning");
  const tc = useTranslations("common");
  const first = (hw.persistent.bootOrder[0] ?? "hd") as "hd" | "cdrom" | "network";
  const [title, setTitle] = useState(hw.persistent.title);
  const [description, setDescription] = useState(hw.persistent.description);
  const [boot, setBoot] = useState<"hd" | "cdrom" | "network">(first);
  const [menu, setMenu] = useState(hw.bootMenu);
  useEffect(() => {
    setTitle(hw.persistent.title);
    setDescription(hw.persistent.description);
    setBoot(first);
    setMenu(hw.bootMenu);
  }, [hw.persistent.title, hw.persistent.description, first, hw.bootMenu]);
  const edit: VmEditInput = {};
  if (title !== hw.persistent.title) edit.title = title;
  if (description !== hw.persistent.description) edit.description = description;
  if (boot !== first)
    edit.bootOrder = [boot, ...(["hd", "cdrom", "network"] as const).filter((x) => x !== boot && x !== "network")];
  if (menu !== hw.bootMenu) edit.bootMenu = menu;
  return (
    <Card testId="hw-general">
      <CardHeader title={t("hwPanel.general")} />
      <CardBody className="space-y-3">
        <Field label={t("create.vmTitle")}>
          {(p) => (
            <Input
              {...p}
              value={title}
              disabled={disabled}
              onChange={(e) => setTitle(e.target.value)}
              testId="hw-edit-title"
            />
          )}
        </Field>
        <Field label={t("hwPanel.description")}>
          {(p) => (
            <Textarea
              {...p}
              rows={2}
              value={description}
              disabled={disabled}
              onChange={(e) => setDescription(e.target.value)}
              testId="hw-edit-description"
            />
          )}
        </Field>
        <div className="grid grid-cols-2 items-end gap-3">
          <Field label={t("hwPanel.bootFirst")}>
            {(p) => (
              <Select
                {...p}
                value={boot}
                disabled={disabled}
                onChange={(e) => setBoot(e.target.value as typeof boot)}
                testId="hw-edit-boot"
              >
                {(["hd", "cdrom", "network"] as const).map((b) => (
                  <option key={b} value={b}>
                    {t(`hwPanel.boot.${b}`)}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <label className="flex items-center gap-2 pb-2 text-sm">
            <input
              type="checkbox"
              checked={menu}
              disabled={disabled}
              onChange={(e) => setMenu(e.target.checked)}
              data-testid="hw-edit-bootmenu"
            />
            {t("hwPanel.bootMenu")}
          </label>
        </div>
        <div className="flex flex-wrap items-center gap-3">
          <Button
            size="sm"
            disabled={disabled || Object.keys(edit).length === 0}
            onClick={() => void onApply(edit)}
            testId="hw-edit-general-save"
          >
            {tc("actions.save")}
          </Button>
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              checked={hw.autostart}
              disabled={disabled || (hw.template && !hw.autostart)}
              onChange={(e) => void onApply({ autostart: e.target.checked })}
              data-testid="hw-edit-autostart"
            />
            {t("hwPanel.autostart")}
          </label>
        </div>
      </CardBody>
    </Card>
  );
}

function ResizeButton({
  target,
  disabled,
  onApply,
}: {
  target: string;
  disabled: boolean;
  onApply: (e: VmEditInput) => Promise<boolean>;
}) {
  const t = useTranslations("provisioning");
  const [open, setOpen] = useState(false);
  const [size, setSize] = useState("");
  return (
    <>
      <Button size="sm" variant="secondary" disabled={disabled} onClick={() => setOpen(true)} testId="hw-disk-resize">
        {t("hwPanel.resize")}
      </Button>
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        size="sm"
        testId="hw-resize-dialog"
        title={t("hwPanel.resizeTitle", { target })}
        description={t("hwPanel.resizeBody")}
        footer={
          <Button
            size="sm"
            disabled={!size}
            onClick={() =>
              void onApply({ resizeDisk: { target, sizeMiB: Number(size) } }).then((ok) => ok && setOpen(false))
            }
            testId="hw-resize-save"
          >
            {t("hwPanel.resize")}
          </Button>
        }
      >
        <Field label={t("hwPanel.newSize")}>
          {(p) => (
            <Input
              {...p}
              type="number"
              min={1}
              value={size}
              onChange={(e) => setSize(e.target.value)}
              data-autofocus
              testId="hw-resize-size"
            />
          )}
        </Field>
      </Dialog>
    </>
  );
}

function InlineForm({
  testId,
  label,
  disabled,
  render,
  submitLabel,
  onSubmit,
}: {
  testId: string;
  label: string;
  disabled: boolean;
  render: (value: string, setValue: (v: string) => void) => ReactNode;
  submitLabel: string;
  onSubmit: (value: string) => Promise<boolean>;
}) {
  const [value, setValue] = useState("");
  return (
    <div className="space-y-1.5" data-testid={testId}>
      <p className="text-sm font-medium">{label}</p>
      <div className="flex gap-2">
        {render(value, setValue)}
        <Button
          size="sm"
          variant="secondary"
          disabled={disabled || !value}
          onClick={() => void onSubmit(value).then((ok) => ok && setValue(""))}
          testId={`${testId}-submit`}
        >
          {submitLabel}
        </Button>
      </div>
    </div>
  );
}

function AddDiskForm({
  pools,
  disabled,
  onApply,
}: {
  pools: string[];
  disabled: boolean;
  onApply: (e: VmEditInput) => Promise<boolean>;
}) {
  const t = useTranslations("provisioning");
  const [v, setV] = useState({
    sizeMiB: "1024",
    format: "qcow2" as (typeof DISK_FORMATS)[number],
    bus: "virtio" as (typeof DISK_BUSES)[number],
    pool: "",
  });
  const pool = v.pool || pools[0] || "";
  return (
    <div className="space-y-1.5" data-testid="hw-add-disk">
      <p className="text-sm font-medium">{t("hw.addDisk")}</p>
      <div className="flex flex-wrap items-end gap-2">
        <NumberField
          label={t("hw.diskSize")}
          className="w-24"
          min={1}
          value={v.sizeMiB}
          onChange={(sizeMiB) => setV({ ...v, sizeMiB })}
          testId="hw-add-disk-size"
        />
        <ChoiceField
          label={t("hw.format")}
          className="w-24"
          value={v.format}
          choices={DISK_FORMATS}
          onChange={(format) => setV({ ...v, format })}
          testId="hw-add-disk-format"
        />
        <ChoiceField
          label={t("hw.bus")}
          className="w-24"
          value={v.bus}
          choices={DISK_BUSES}
          onChange={(bus) => setV({ ...v, bus })}
          testId="hw-add-disk-bus"
        />
        <ChoiceField
          label={t("hw.pool")}
          className="w-40"
          value={pool}
          choices={pools}
          onChange={(pool) => setV({ ...v, pool })}
          testId="hw-add-disk-pool"
        />
        <Button
          size="sm"
          variant="secondary"
          disabled={disabled || !pool}
          onClick={() =>
            void onApply({
              addDisk: { sizeMiB: Number(v.sizeMiB), format: v.format, bus: v.bus, cache: "default", pool },
            })
          }
          testId="hw-add-disk-submit"
        >
          {t("hwPanel.add")}
        </Button>
      </div>
    </div>
  );
}

function AddNicForm({
  networks,
  mayBridge,
  disabled,
  onApply,
}: {
  networks: string[];
  mayBridge: boolean;
  disabled: boolean;
  onApply: (e: VmEditInput) => Promise<boolean>;
}) {
  const t = useTranslations("provisioning");
  const [v, setV] = useState({
    kind: "network" as "network" | "bridge",
    source: "",
    model: "virtio" as (typeof NIC_MODELS)[number],
    mac: "",
  });
  const source = v.kind === "network" ? v.source || networks[0] || "" : v.source;
  return (
    <div className="space-y-1.5" data-testid="hw-add-nic">
      <p className="text-sm font-medium">{t("hw.addNic")}</p>
      <div className="flex flex-wrap items-end gap-2">
        {/* Host bridges need network.manage on the host (the server checks it again); else only libvirt networks. */}
        {mayBridge ? (
          <Field label={t("hw.nicKind")} className="w-32">
            {(p) => (
              <Select
                {...p}
                value={v.kind}
                onChange={(e) => setV({ ...v, kind: e.target.value as typeof v.kind, source: "" })}
                testId="hw-add-nic-kind"
              >
                <option value="network">{t("hw.nicNetwork")}</option>
                <option value="bridge">{t("hw.nicBridge")}</option>
              </Select>
            )}
          </Field>
        ) : null}
        {v.kind === "network" ? (
          <ChoiceField
            label={t("hw.nicSource")}
            className="w-40"
            value={source}
            choices={networks}
            onChange={(source) => setV({ ...v, source })}
            testId="hw-add-nic-source"
          />
        ) : (
          <Field label={t("hw.nicSource")} className="w-40">
            {(p) => (
              <Input
                {...p}
                value={v.source}
                placeholder="br0"
                onChange={(e) => setV({ ...v, source: e.target.value })}
                testId="hw-add-nic-source"
              />
            )}
          </Field>
        )}
        <ChoiceField
          label={t("hw.nicModel")}
          className="w-28"
          value={v.model}
          choices={NIC_MODELS}
          onChange={(model) => setV({ ...v, model })}
          testId="hw-add-nic-model"
        />
        <Field label={t("hw.mac")} className="w-44">
          {(p) => (
            <Input
              {...p}
              value={v.mac}
              placeholder={t("hw.macAuto")}
              onChange={(e) => setV({ ...v, mac: e.target.value })}
              testId="hw-add-nic-mac"
            />
          )}
        </Field>
        <Button
          size="sm"
          variant="secondary"
          disabled={disabled || !source}
          onClick={() => void onApply({ addNic: { kind: v.kind, source, model: v.model, mac: v.mac } })}
          testId="hw-add-nic-submit"
        >
          {t("hwPanel.add")}
        </Button>
      </div>
    </div>
  );
}

function CloneDialog({
  open,
  path,
  template,
  name,
  onClose,
}: {
  open: boolean;
  path: string;
  template: boolean;
  name: string;
  onClose: () => void;
}) {
  const t = useTranslations("provisioning");
  const tc = useTranslations("common");
  const [v, setV] = useState({ name: "", mode: "full" as "full" | "linked", start: false });
  const { busy, error, setError, call } = useApiCall();
  const [taskId, setTaskId] = useState<string | null>(null);
  useEffect(() => {
    if (open) {
      setV({
        name: `${name}-clone`.replace(/[^A-Za-z0-9_.-]/g, "-"),
        mode: template ? "linked" : "full",
        start: false,
      });
      setTaskId(null);
      setError(null);
    }
  }, [open, name, template, setError]);
  async function submit() {
    await call(async () => {
      setTaskId((await fetchJson<{ taskId: string }>(`${path}/clone`, { body: v })).taskId);
    });
  }
  return (
    <Dialog
      open={open}
      onClose={() => (busy ? undefined : onClose())}
      testId="vm-clone-dialog"
      title={t("clone.title", { name })}
      footer={
        taskId ? (
          <Button variant="secondary" onClick={onClose} testId="vm-clone-close">
            {tc("actions.close")}
          </Button>
        ) : (
          <>
            <Button variant="secondary" onClick={onClose} disabled={busy}>
              {tc("actions.cancel")}
            </Button>
            <Button onClick={() => void submit()} loading={busy} testId="vm-clone-submit">
              {t("clone.submit")}
            </Button>
          </>
        )
      }
    >
      {taskId ? (
        <TaskWatch taskId={taskId} testId="vm-clone-task" />
      ) : (
        <div className="space-y-3">
          {error ? <ErrorBanner testId="vm-clone-error">{error.message}</ErrorBanner> : null}
          <Field label={t("create.name")} error={error?.fieldMessage("name")} hint={t("create.nameHint")}>
            {(p) => (
              <Input
                {...p}
                value={v.name}
                onChange={(e) => setV({ ...v, name: e.target.value })}
                data-autofocus
                testId="vm-clone-name"
              />
            )}
          </Field>
          <fieldset className="space-y-1">
            {(["full", "linked"] as const).map((m) => (
              <label key={m} className="flex items-start gap-2 text-sm">
                <input
                  type="radio"
                  checked={v.mode === m}
                  disabled={m === "linked" && !template}
                  onChange={() => setV({ ...v, mode: m })}
                  data-testid={`vm-clone-mode-${m}`}
                  className="mt-1"
                />
                <span>
                  {t(`create.clone.${m}`)}
                  {m === "linked" && !template ? (
                    <Badge className="ml-2">{t("clone.linkedNeedsTemplate")}</Badge>
                  ) : null}
                </span>
              </label>
            ))}
          </fieldset>
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              checked={v.start}
              onChange={(e) => setV({ ...v, start: e.target.checked })}
              data-testid="vm-clone-start"
            />
            {t("create.start")}
          </label>
        </div>
      )}
    </Dialog>
  );
}

function ToTemplateDialog({
  open,
  path,
  name,
  onClose,
  onDone,
}: {
  open: boolean;
  path: string;
  name: string;
  onClose: () => void;
  onDone: () => void;
}) {
  const t = useTranslations("provisioning");
  const [templateName, setTemplateName] = useState(name);
  const { busy, error, setError, call } = useApiCall();
  useEffect(() => {
    if (open) {
      setTemplateName(name);
      setError(null);
    }
  }, [open, name, setError]);
  return (
    <ConfirmDialog
      open={open}
      tone="primary"
      testId="vm-to-template-dialog"
      title={t("toTemplate.title", { name })}
      description={t("toTemplate.body")}
      confirmLabel={t("toTemplate.submit")}
      pending={busy}
      error={error?.message ?? null}
      onCancel={onClose}
      onConfirm={async () => {
        if (await call(() => fetchJson(`${path}/to-template`, { body: { templateName, description: "" } }))) {
          onDone();
          onClose();
        }
      }}
    >
      <Field label={t("toTemplate.name")}>
        {(p) => (
          <Input
            {...p}
            value={templateName}
            onChange={(e) => setTemplateName(e.target.value)}
            testId="vm-to-template-name"
          />
        )}
      </Field>
    </ConfirmDialog>
  );
}

/** Back to an ordinary VM: the server refuses (and names them) while linked clones read its disks. */
function UnmarkTemplateDialog({
  open,
  path,
  name,
  onClose,
  onDone,
}: {
  open: boolean;
  path: string;
  name: string;
  onClose: () => void;
  onDone: () => void;
}) {
  const t = useTranslations("provisioning");
  const { busy, error, setError, call } = useApiCall();
  useEffect(() => {
    if (open) setError(null);
  }, [open, setError]);
  return (
    <ConfirmDialog
      open={open}
      testId="vm-unmark-template-dialog"
      title={t("unmarkTemplate.title", { name })}
      description={t("unmarkTemplate.body")}
      confirmLabel={t("unmarkTemplate.submit")}
      pending={busy}
      error={error?.message ?? null}
      onCancel={onClose}
      onConfirm={async () => {
        if (await call(() => fetchJson(`${path}/unmark-template`, { method: "POST" }))) {
          onDone();
          onClose();
        }
      }}
    />
  );
}
