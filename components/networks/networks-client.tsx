"use client";
import { useState } from "react";
import { useTranslations } from "use-intl";
import { ApiError, fetchJson } from "@/components/api/fetch-json";
import { useFleetNetworks } from "@/components/data/use-networks";
import { useConfirmAction, useNoticeAction } from "@/components/api/use-action";
import { PageHeader } from "@/components/shell/page-header";
import { Alert, OutcomeBanners } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { NetworkIcon, PlusIcon } from "@/components/ui/icons";
import { TBody, TD, TH, THead, TR, Table, TableEmpty } from "@/components/ui/table";
import type { NetworkAction, NetworkView } from "@/lib/contracts/network";
import { NetworkCreateDialog } from "./network-create-dialog";
import { NetworkLeasesDialog } from "./network-leases-dialog";
import type { NetworkHostOption } from "./types";

/** libvirt forward modes with a label; others show as libvirt names them. */
const KNOWN_MODES = new Set(["nat", "route", "open", "bridge", "private", "vepa", "passthrough"]);
const key = (n: NetworkView) => `${n.hostId}/${n.name}`;
const netPath = (n: NetworkView) => `/api/hosts/${n.hostId}/networks/${encodeURIComponent(n.name)}`;

function addresses(n: NetworkView): string {
  return n.ips.map((ip) => (ip.prefix !== null ? `${ip.address}/${ip.prefix}` : ip.address)).join(", ");
}

function dhcpRanges(n: NetworkView): string {
  return n.ips.flatMap((ip) => ip.dhcpRanges.map((r) => `${r.start} – ${r.end}`)).join(", ");
}

export function NetworksClient({ hosts }: { hosts: NetworkHostOption[] }) {
  const t = useTranslations("networks");
  const [createOpen, setCreateOpen] = useState(false);
  const [editing, setEditing] = useState<NetworkView | null>(null);
  const [leasesOf, setLeasesOf] = useState<NetworkView | null>(null);
  const manageable = hosts.filter((h) => h.canManage);
  const modeLabel = (m: string | null) =>
    m === null ? t("modeShort.isolated") : KNOWN_MODES.has(m) ? t(`modeShort.${m}`) : m;
  const canManage = (hostId: string) => hosts.some((h) => h.id === hostId && h.canManage);

  const { data, error: loadError, reload: load } = useFleetNetworks();
  const [dismissed, setDismissed] = useState<unknown>(null);

  const action = useNoticeAction(load);
  const act = (n: NetworkView, body: NetworkAction, notice: string) =>
    action.run(async () => {
      await fetchJson(netPath(n), { body });
      return notice;
    });
  // Refused while running VMs use the network (the answer names them): the dialog then offers to stop it anyway.
  const [stopForce, setStopForce] = useState(false);
  const stop = useConfirmAction(async (n: NetworkView) => {
    try {
      await fetchJson(netPath(n), { body: stopForce ? { action: "stop", force: true } : { action: "stop" } });
    } catch (err) {
      if (!stopForce && err instanceof ApiError && err.status === 409 && Array.isArray(err.data.vms))
        setStopForce(true);
      throw err;
    }
    action.setNotice(t("notice.stopped", { name: n.name }));
    await load();
  });
  const remove = useConfirmAction(async (n: NetworkView) => {
    await fetchJson(netPath(n), { method: "DELETE" });
    action.setNotice(t("notice.deleted", { name: n.name }));
    await load();
  });

  const addButton = manageable.length ? (
    <Button
      onClick={() => {
        setEditing(null);
        setCreateOpen(true);
      }}
      testId="network-create-open"
    >
      <PlusIcon className="size-4" />
      {t("add")}
    </Button>
  ) : null;

  if (!hosts.length) {
    return (
      <>
        <PageHeader title={t("title")} description={t("description")} />
        <EmptyState
          testId="networks-empty"
          icon={<NetworkIcon />}
          title={t("empty.title")}
          description={t("empty.body")}
        />
      </>
    );
  }

  return (
    <>
      <PageHeader title={t("title")} description={t("description")} actions={addButton} />
      <div className="mb-4 space-y-2">
        <OutcomeBanners
          testId="networks"
          notice={action.notice}
          error={action.error?.message ?? (loadError !== dismissed ? loadError?.message : null) ?? null}
          onDismissNotice={() => action.setNotice(null)}
          onDismissError={() => {
            action.setError(null);
            setDismissed(loadError);
          }}
        />
        {data?.errors.map((e) => (
          <Alert key={e.hostId} tone="warning" testId="networks-host-error">
            {t("hostError", { host: e.hostName, message: e.message })}
          </Alert>
        ))}
      </div>
      <Table caption={t("title")} testId="networks-table">
        <THead>
          <TR>
            <TH>{t("col.name")}</TH>
            <TH>{t("col.host")}</TH>
            <TH>{t("col.state")}</TH>
            <TH>{t("col.mode")}</TH>
            <TH>{t("col.bridge")}</TH>
            <TH>{t("col.addresses")}</TH>
            <TH>{t("col.dhcp")}</TH>
            <TH>{t("col.leases")}</TH>
            <TH>
              <span className="sr-only">{t("col.actions")}</span>
            </TH>
          </TR>
        </THead>
        <TBody>
          {data === null ? (
            <TableEmpty colSpan={9}>{t("loading")}</TableEmpty>
          ) : data.networks.length === 0 ? (
            <TableEmpty colSpan={9}>{t("none")}</TableEmpty>
          ) : (
            data.networks.map((n) => (
              <TR key={key(n)} testId={`network-row-${n.name}`}>
                <TD className="font-medium">{n.name}</TD>
                <TD>{n.hostName}</TD>
                <TD>
                  <span className="flex flex-wrap gap-1">
                    <Badge tone={n.active ? "success" : "neutral"} dot testId="network-state">
                      {n.active ? t("state.active") : t("state.inactive")}
                    </Badge>
                    {n.autostart ? <Badge tone="info">{t("state.autostart")}</Badge> : null}
                    {!n.persistent ? <Badge tone="warning">{t("state.transient")}</Badge> : null}
                  </span>
                </TD>
                <TD>{modeLabel(n.forwardMode)}</TD>
                <TD>{n.bridge ?? n.devices.join(", ")}</TD>
                <TD wrap>{addresses(n)}</TD>
                <TD wrap>{dhcpRanges(n)}</TD>
                <TD data-testid="network-leases">
                  {n.leaseCount === null ? null : (
                    <Button size="sm" variant="ghost" onClick={() => setLeasesOf(n)} testId="network-leases-open">
                      {n.leaseCount}
                    </Button>
                  )}
                </TD>
                <TD className="text-right">
                  {canManage(n.hostId) ? (
                    <span className="flex justify-end gap-1">
                      {n.active ? (
                        <Button
                          size="sm"
                          variant="ghost"
                          onClick={() => {
                            setStopForce(false);
                            stop.ask(n);
                          }}
                          testId="network-stop"
                        >
                          {t("actions.stop")}
                        </Button>
                      ) : (
                        <Button
                          size="sm"
                          variant="ghost"
                          loading={action.busy}
                          onClick={() => act(n, { action: "start" }, t("notice.started", { name: n.name }))}
                          testId="network-start"
                        >
                          {t("actions.start")}
                        </Button>
                      )}
                      {n.persistent ? (
                        <Button
                          size="sm"
                          variant="ghost"
                          onClick={() => {
                            setEditing(n);
                            setCreateOpen(true);
                          }}
                          testId="network-edit"
                        >
                          {t("actions.edit")}
                        </Button>
                      ) : null}
                      {n.persistent ? (
                        <Button
                          size="sm"
                          variant="ghost"
                          onClick={() =>
                            act(
                              n,
                              { action: "autostart", autostart: !n.autostart },
                              t(n.autostart ? "notice.autostartOff" : "notice.autostartOn", { name: n.name }),
                            )
                          }
                          testId="network-autostart"
                        >
                          {n.autostart ? t("actions.autostartOff") : t("actions.autostartOn")}
                        </Button>
                      ) : null}
                      <Button size="sm" variant="ghost-danger" onClick={() => remove.ask(n)} testId="network-delete">
                        {t("actions.delete")}
                      </Button>
                    </span>
                  ) : null}
                </TD>
              </TR>
            ))
          )}
        </TBody>
      </Table>
      <ConfirmDialog
        {...stop.dialog}
        title={t("confirm.stopTitle", { name: stop.target?.name ?? "" })}
        description={t("confirm.stopBody")}
        confirmLabel={stopForce ? t("actions.stopAnyway") : t("actions.stop")}
        testId="network-stop-dialog"
      />
      <ConfirmDialog
        {...remove.dialog}
        title={t("confirm.deleteTitle", { name: remove.target?.name ?? "" })}
        description={t("confirm.deleteBody")}
        confirmLabel={t("actions.delete")}
        testId="network-delete-dialog"
      />
      <NetworkCreateDialog
        open={createOpen}
        onClose={() => setCreateOpen(false)}
        hosts={manageable}
        editing={editing}
        onSaved={(n, appliesAfterRestart) => {
          action.setNotice(
            editing
              ? t(appliesAfterRestart ? "notice.editedRestart" : "notice.edited", { name: n.name })
              : t("notice.created", { name: n.name, host: n.hostName }),
          );
          void load();
        }}
      />
      <NetworkLeasesDialog network={leasesOf} onClose={() => setLeasesOf(null)} />
    </>
  );
}
