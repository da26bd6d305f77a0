"use client";

import { useEffect, useRef, useState } from "react";
import { useFormatter, useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { enc } from "@/components/data/use-api";
import { useMaintenancePlan } from "@/components/data/use-maintenance";
import { useTask } from "@/components/data/use-tasks";
import { HostMaintenanceDialog } from "@/components/hosts/host-maintenance-dialog";
import { TaskWatch } from "@/components/provisioning/task-watch";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/dialog";
import type { HostView } from "@/components/hosts/types";
import { taskIsFinished } from "@/lib/contracts/tasks";

type Panel = "plan" | "return" | "leave" | null;

/** "In maintenance" next to a host's name (host list and page). */
export function HostMaintenanceBadge({ host }: { host: Pick<HostView, "maintenanceSince"> }) {
  const t = useTranslations("hosts.maintenance");
  if (!host.maintenanceSince) return null;
  return (
    <span data-testid="host-maintenance-badge" className="inline-flex">
      <Badge tone="warning">{t("badge")}</Badge>
    </span>
  );
}

/**
 * The host page's Maintenance section: whether the host is in maintenance and which VMs were moved
 * off it; with host.manage, the evacuation plan (dialog), "Return VMs" and "Leave maintenance", each
 * confirmed first, and the running task's progress.
 */
export function HostMaintenanceCard({
  host,
  canManage,
  onChanged,
}: {
  host: HostView;
  canManage: boolean;
  onChanged: () => void;
}) {
  const t = useTranslations("hosts.maintenance");
  const format = useFormatter();
  const [panel, setPanel] = useState<Panel>(null);
  const [taskId, setTaskId] = useState<string | null>(null);
  const { plan, reload } = useMaintenancePlan(canManage && host.maintenanceSince ? host.id : null);
  const { task } = useTask(taskId);
  const { busy, error, setError, call } = useApiCall();
  const base = `/api/hosts/${enc(host.id)}/maintenance`;
  const finished = task ? taskIsFinished(task.status) : false;

  // Once per task: its end changed the host (maintenance on or off) and what was moved.
  const seen = useRef<string | null>(null);
  useEffect(() => {
    if (!finished || seen.current === taskId) return;
    seen.current = taskId;
    onChanged();
    void reload();
  }, [finished, taskId, onChanged, reload]);

  const evacuated = plan?.evacuated ?? [];
  const running = !!taskId && !finished;

  function open(p: Panel) {
    setError(null);
    setPanel(p);
  }

  function onReturn() {
    void call(async () => {
      const r = await fetchJson<{ taskId: string }>(`${base}/return`, { method: "POST" });
      setTaskId(r.taskId);
      setPanel(null);
    });
  }

  function onLeave() {
    void call(async () => {
      await fetchJson(base, { method: "DELETE" });
      setPanel(null);
      onChanged();
      void reload();
    });
  }

  return (
    <Card testId="host-maintenance" data-maintenance={host.maintenanceSince ? "on" : "off"}>
      <CardHeader
        title={t("title")}
        actions={
          host.maintenanceSince ? <HostMaintenanceBadge host={host} /> : <Badge tone="success">{t("inService")}</Badge>
        }
      />
      <CardBody className="space-y-4">
        <p className="text-sm text-slate-700 dark:text-slate-300" data-testid="host-maintenance-state">
          {host.maintenanceSince
            ? t("since", {
                when: format.dateTime(new Date(host.maintenanceSince), { dateStyle: "medium", timeStyle: "short" }),
              })
            : t("intro")}
        </p>
        {evacuated.length ? (
          <div>
            <h3 className="text-sm font-medium text-slate-900 dark:text-slate-100">{t("evacuated")}</h3>
            <ul
              className="mt-1 list-disc pl-5 text-sm text-slate-700 dark:text-slate-300"
              data-testid="host-maintenance-evacuated"
            >
              {evacuated.map((e) => (
                <li key={e.uuid} className="[overflow-wrap:anywhere]">
                  {t("evacuatedTo", { name: e.name, host: e.destHostName ?? e.destHostId })}
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        {canManage ? (
          <div className="flex flex-wrap gap-2">
            <Button onClick={() => open("plan")} disabled={running} testId="host-maintenance-plan">
              {host.maintenanceSince ? t("planAgain") : t("enter")}
            </Button>
            {host.maintenanceSince ? (
              <>
                <Button
                  variant="secondary"
                  onClick={() => open("return")}
                  disabled={running}
                  testId="host-maintenance-return"
                >
                  {t("return")}
                </Button>
                <Button
                  variant="secondary"
                  onClick={() => open("leave")}
                  disabled={running}
                  testId="host-maintenance-leave"
                >
                  {t("leave")}
                </Button>
              </>
            ) : null}
          </div>
        ) : null}
        {taskId ? <TaskWatch taskId={taskId} testId="host-maintenance-task" cancellable /> : null}
      </CardBody>

      {canManage ? (
        <>
          <HostMaintenanceDialog
            hostId={host.id}
            hostName={host.name}
            open={panel === "plan"}
            onClose={() => setPanel(null)}
            onStarted={(id) => {
              setTaskId(id);
              setPanel(null);
            }}
          />
          <ConfirmDialog
            open={panel === "return"}
            testId="host-maintenance-return-dialog"
            tone="primary"
            title={t("returnTitle", { name: host.name })}
            description={t("returnBody", { count: evacuated.length })}
            confirmLabel={t("return")}
            pending={busy}
            error={error?.message}
            onConfirm={onReturn}
            onCancel={() => !busy && setPanel(null)}
          />
          <ConfirmDialog
            open={panel === "leave"}
            testId="host-maintenance-leave-dialog"
            title={t("leaveTitle", { name: host.name })}
            description={t("leaveBody", { count: evacuated.length })}
            confirmLabel={t("leave")}
            pending={busy}
            error={error?.message}
            onConfirm={onLeave}
            onCancel={() => !busy && setPanel(null)}
          />
        </>
      ) : null}
    </Card>
  );
}
