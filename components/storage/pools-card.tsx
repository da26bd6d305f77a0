"use client";
import { useState } from "react";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useConfirmAction, useNoticeAction } from "@/components/api/use-action";
import { OutcomeBanners } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { PlusIcon } from "@/components/ui/icons";
import { Input } from "@/components/ui/input";
import { TBody, TD, TH, THead, TR, Table, TableEmpty } from "@/components/ui/table";
import { useVmFormat } from "@/components/vms/use-vm-format";
import type { PoolAction, PoolView } from "@/lib/contracts/storage-pool";
import { CapacityBar } from "./capacity-bar";
import { PoolCreateDialog } from "./pool-create-dialog";

const poolPath = (hostId: string, p: PoolView) => `/api/hosts/${hostId}/storage/pools/${encodeURIComponent(p.name)}`;

/** Where a pool's data is: its directory, export, devices or target. */
function sourceOf(p: PoolView): string {
  const s = p.source;
  if (p.type === "netfs" && s.host) return `${s.host}:${s.dir ?? ""}`;
  if (p.type === "iscsi" && s.host) return `${s.host}${s.port ? `:${s.port}` : ""} ${s.devices.join(", ")}`;
  if (p.type === "logical") return [s.name, s.devices.join(", ")].filter(Boolean).join(" · ");
  if (s.devices.length) return s.devices.join(", ");
  return p.targetPath ?? "";
}

/**
 * The host's pools with state, autostart, capacity bars and, for storage managers, create, start,
 * stop, refresh, autostart, delete (definition) and delete data (after the name is typed again).
 */
export function PoolsCard({
  hostId,
  pools,
  selected,
  onSelect,
  canManage,
  onChanged,
}: {
  hostId: string;
  pools: PoolView[] | null;
  selected: string | null;
  onSelect: (name: string) => void;
  canManage: boolean;
  onChanged: () => void;
}) {
  const t = useTranslations("pools");
  const formatBytes = useVmFormat().size;
  const [createOpen, setCreateOpen] = useState(false);
  const [typed, setTyped] = useState("");
  const action = useNoticeAction(onChanged);
  const act = (p: PoolView, body: PoolAction, notice: string) =>
    action.run(async () => {
      await fetchJson(poolPath(hostId, p), { body });
      return notice;
    });
  const stop = useConfirmAction(async (p: PoolView) => {
    await fetchJson(poolPath(hostId, p), { body: { action: "stop" } });
    action.setNotice(t("notice.stopped", { name: p.name }));
    onChanged();
  });
  const remove = useConfirmAction(async (p: PoolView) => {
    await fetchJson(poolPath(hostId, p), { method: "DELETE" });
    action.setNotice(t("notice.deleted", { name: p.name }));
    onChanged();
  });
  const wipe = useConfirmAction(async (p: PoolView) => {
    await fetchJson(`${poolPath(hostId, p)}/delete-data`, { body: { confirm: typed } });
    action.setNotice(t("notice.dataDeleted", { name: p.name }));
    onChanged();
  });
  const cols = canManage ? 7 : 6;

  return (
    <Card className="mb-6" testId="pools-card">
      <CardHeader
        title={t("title")}
        description={t("description")}
        actions={
          canManage ? (
            <Button size="sm" onClick={() => setCreateOpen(true)} testId="pool-create-open">
              <PlusIcon className="size-4" />
              {t("create.open")}
            </Button>
          ) : null
        }
      />
      <div className="px-4">
        <OutcomeBanners
          testId="pools"
          notice={action.notice}
          error={action.error?.message ?? null}
          onDismissNotice={() => action.setNotice(null)}
          onDismissError={() => action.setError(null)}
        />
      </div>
      <Table caption={t("title")}>
        <THead>
          <TR>
            <TH>{t("name")}</TH>
            <TH>{t("typeColumn")}</TH>
            <TH>{t("state")}</TH>
            <TH className="min-w-40">{t("usage")}</TH>
            <TH>{t("available")}</TH>
            <TH>{t("source")}</TH>
            {canManage ? (
              <TH>
                <span className="sr-only">{t("actions")}</span>
              </TH>
            ) : null}
          </TR>
        </THead>
        <TBody>
          {pools === null ? <TableEmpty colSpan={cols}>{t("loading")}</TableEmpty> : null}
          {pools?.length === 0 ? (
            <TableEmpty colSpan={cols}>
              <span data-testid="pools-none">{canManage ? t("noneManage") : t("none")}</span>
            </TableEmpty>
          ) : null}
          {pools?.map((p) => (
            <TR
              key={p.name}
              testId="pool-row"
              data-pool={p.name}
              data-state={p.active ? "active" : "inactive"}
              className={p.name === selected ? "bg-indigo-50/50 dark:bg-indigo-500/5" : undefined}
            >
              <TD>
                <button
                  type="button"
                  className="font-medium text-indigo-700 hover:underline disabled:text-slate-500 dark:text-indigo-300 dark:disabled:text-slate-400"
                  disabled={!p.active}
                  onClick={() => onSelect(p.name)}
                  data-testid="pool-select"
                >
                  {p.name}
                </button>
              </TD>
              <TD>{t.has(`type.${p.type}`) ? t(`type.${p.type}`) : p.type}</TD>
              <TD>
                <div className="flex flex-wrap gap-1">
                  <Badge tone={p.active ? "success" : "neutral"} dot>
                    {p.active ? t("active") : t("inactive")}
                  </Badge>
                  {p.autostart ? (
                    <Badge tone="info" testId="pool-autostart-badge">
                      {t("autostart")}
                    </Badge>
                  ) : null}
                </div>
              </TD>
              <TD>
                <CapacityBar pool={p} label={t("usageOf", { name: p.name })} />
                <span className="text-xs text-slate-500 dark:text-slate-400">
                  {p.active
                    ? t("usedOf", { used: formatBytes(p.allocationBytes), total: formatBytes(p.capacityBytes) })
                    : t("unknownWhileInactive")}
                </span>
              </TD>
              <TD>{p.active ? formatBytes(p.availableBytes) : "—"}</TD>
              <TD wrap>
                <span className="font-mono text-xs break-all" data-testid="pool-source">
                  {sourceOf(p)}
                </span>
              </TD>
              {canManage ? (
                <TD>
                  <div className="flex flex-wrap justify-end gap-1">
                    {p.active ? (
                      <>
                        <Button
                          size="sm"
                          variant="ghost"
                          onClick={() => act(p, { action: "refresh" }, t("notice.refreshed", { name: p.name }))}
                          testId="pool-refresh"
                        >
                          {t("action.refresh")}
                        </Button>
                        <Button size="sm" variant="ghost" onClick={() => stop.ask(p)} testId="pool-stop">
                          {t("action.stop")}
                        </Button>
                      </>
                    ) : (
                      <Button
                        size="sm"
                        variant="ghost"
                        onClick={() => act(p, { action: "start" }, t("notice.started", { name: p.name }))}
                        testId="pool-start"
                      >
                        {t("action.start")}
                      </Button>
                    )}
                    {p.persistent ? (
                      <Button
                        size="sm"
                        variant="ghost"
                        onClick={() =>
                          act(
                            p,
                            { action: "autostart", autostart: !p.autostart },
                            t(p.autostart ? "notice.autostartOff" : "notice.autostartOn", { name: p.name }),
                          )
                        }
                        testId="pool-autostart-toggle"
                      >
                        {p.autostart ? t("action.autostartOff") : t("action.autostartOn")}
                      </Button>
                    ) : null}
                    {p.type !== "iscsi" ? (
                      <Button
                        size="sm"
                        variant="ghost"
                        onClick={() => {
                          setTyped("");
                          wipe.ask(p);
                        }}
                        testId="pool-delete-data"
                      >
                        {t("action.deleteData")}
                      </Button>
                    ) : null}
                    <Button size="sm" variant="ghost" onClick={() => remove.ask(p)} testId="pool-delete">
                      {t("action.delete")}
                    </Button>
                  </div>
                </TD>
              ) : null}
            </TR>
          ))}
        </TBody>
      </Table>

      <PoolCreateDialog
        open={createOpen}
        onClose={() => setCreateOpen(false)}
        hostId={hostId}
        onCreated={(p) => {
          action.setNotice(t("notice.created", { name: p.name }));
          onChanged();
          if (p.active) onSelect(p.name);
        }}
      />
      <ConfirmDialog
        {...stop.dialog}
        title={t("confirm.stopTitle", { name: stop.target?.name ?? "" })}
        description={t("confirm.stopBody")}
        confirmLabel={t("action.stop")}
        tone="danger"
        testId="pool-stop-dialog"
      />
      <ConfirmDialog
        {...remove.dialog}
        title={t("confirm.deleteTitle", { name: remove.target?.name ?? "" })}
        description={t("confirm.deleteBody")}
        confirmLabel={t("action.delete")}
        tone="danger"
        testId="pool-delete-dialog"
      />
      <ConfirmDialog
        {...wipe.dialog}
        title={t("confirm.dataTitle", { name: wipe.target?.name ?? "" })}
        description={t(
          `confirm.dataBody.${wipe.target?.type === "logical" || wipe.target?.type === "disk" ? wipe.target.type : "dir"}`,
        )}
        confirmLabel={t("action.deleteData")}
        tone="danger"
        testId="pool-delete-data-dialog"
      >
        <Field label={t("confirm.typeName", { name: wipe.target?.name ?? "" })} required>
          {(fp) => (
            <Input
              {...fp}
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              autoComplete="off"
              spellCheck={false}
              data-testid="pool-delete-data-confirm"
            />
          )}
        </Field>
      </ConfirmDialog>
    </Card>
  );
}
