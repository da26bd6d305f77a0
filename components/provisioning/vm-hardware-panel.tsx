"use client";

import { useState } from "react";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { Alert, ErrorBanner } from "@/components/ui/alert";
import { Button, Spinner } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/dialog";
import { Select } from "@/components/ui/input";
import { TBody, TD, TH, THead, TR, Table, TableEmpty } from "@/components/ui/table";
import type { VmEditInput, VmEditNote, VmEditResult, VmHardwareResponse } from "@/lib/contracts/hardware";
import { useHostOptions } from "@/components/data/use-hosts";
import { useVmHardware } from "@/components/data/use-vms";
import { CpuMemoryCard, GeneralCard } from "@/components/provisioning/vm-hardware-cards";
import { AddDiskForm, AddNicForm, InlineForm, ResizeButton } from "@/components/provisioning/vm-hardware-forms";
import {
  CloneDialog,
  ToTemplateDialog,
  UnmarkTemplateDialog,
} from "@/components/provisioning/vm-clone-template-dialogs";

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
