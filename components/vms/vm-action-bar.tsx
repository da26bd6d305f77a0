"use client";

import { useEffect, useState } from "react";
import { useTranslations } from "use-intl";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { ChevronDownIcon } from "@/components/ui/icons";
import { MoreIcon } from "@/components/vms/vm-icons";
import { Menu, MenuCheckboxItem, MenuItem, MenuLabel, MenuSeparator } from "@/components/ui/menu";
import { DESTRUCTIVE_ACTIONS, type VmAction, type VmDetail, type VmState } from "@/components/vms/types";
import type { useVmActions } from "@/components/vms/use-vm-actions";

/** After this long a guest that was asked to shut down and still runs gets the offer to force it off. */
export const SHUTDOWN_PATIENCE_S = 20;

/** The power menu, in the order people reach for them (the primary action is left out of it). */
const POWER: VmAction[] = [
  "start",
  "shutdown",
  "reboot",
  "suspend",
  "resume",
  "managedsave",
  "destroy",
  "reset",
  "managedsave-remove",
];

/** States in which the guest runs (a shutdown asked for is still under way). */
const ACTIVE: ReadonlySet<VmState> = new Set<VmState>(["running", "blocked", "shutdown", "pmsuspended"]);

/** The one action the bar offers first for the VM's state. */
export function primaryAction(vm: Pick<VmDetail, "state" | "template" | "allowedActions">): VmAction | null {
  const allowed = new Set(vm.allowedActions);
  if (allowed.has("resume")) return "resume";
  if (ACTIVE.has(vm.state) || vm.state === "paused") return "shutdown";
  // A template VM never starts (its disk backs linked clones): no Start at all.
  return vm.template ? null : "start";
}

/**
 * The VM page's actions: one primary button for the state (Start, Shut down, Resume), a Power menu with the
 * rest, and a More menu (start with the host, migrate, delete). A shutdown shows as under way until the guest is off;
 * a guest that ignores it for SHUTDOWN_PATIENCE_S is offered Force off.
 */
export function VmActionBar({
  vm,
  actions,
  disabled,
  canPower,
  canDelete,
  onDelete,
  canMigrate = false,
  onMigrate,
  shutdownAskedAt,
  onKeepWaiting,
}: {
  vm: VmDetail;
  actions: ReturnType<typeof useVmActions>;
  /** The VM went away under the page. */
  disabled: boolean;
  /** vm.power: the primary action, the Power menu and autostart. */
  canPower: boolean;
  /** vm.delete: "Delete VM…" in the More menu. */
  canDelete: boolean;
  onDelete: () => void;
  /** vm.migrate: "Migrate…" in the More menu. */
  canMigrate?: boolean;
  onMigrate?: () => void;
  /** When a shutdown was last accepted by the host (null: none under way). */
  shutdownAskedAt: number | null;
  onKeepWaiting: () => void;
}) {
  const t = useTranslations("vms");
  const tp = useTranslations("vmpower");
  const busy = actions.busyAction(vm);
  const allowed = new Set(vm.allowedActions);
  const shuttingDown = shutdownAskedAt !== null && ACTIVE.has(vm.state);
  const slow = useSlow(shuttingDown ? shutdownAskedAt : null);
  const primary = primaryAction(vm);
  const power = POWER.filter((a) => a !== primary && allowed.has(a) && !(vm.template && a === "start"));
  const autostartAction: VmAction = vm.autostart ? "autostart-off" : "autostart-on";
  const can = (a: VmAction) => !disabled && allowed.has(a) && (busy === null || busy === a);

  return (
    <div className="space-y-3">
      <div
        role="toolbar"
        aria-label={t("detail.actionsLabel")}
        className="flex flex-wrap items-center gap-2"
        data-testid="vm-actions"
      >
        {canPower && primary ? (
          <Button
            size="sm"
            variant={primary === "shutdown" ? "secondary" : "primary"}
            testId={`vm-action-${primary}`}
            data-pending={primary === "shutdown" && shuttingDown ? "true" : undefined}
            disabled={!can(primary) || (primary === "shutdown" && shuttingDown)}
            loading={busy === primary || (primary === "shutdown" && shuttingDown)}
            onClick={() => actions.request(vm, primary)}
          >
            {primary === "shutdown" && shuttingDown ? tp("bar.shuttingDown") : t(`actions.${primary}`)}
          </Button>
        ) : null}
        {canPower ? (
          <Menu
            label={tp("bar.powerMenu")}
            testId="vm-power"
            align="start"
            disabled={disabled}
            title={null}
            triggerClassName="h-8 px-3 text-sm font-medium ring-1 ring-inset ring-slate-300 dark:ring-slate-700"
            trigger={
              <>
                {tp("bar.power")}
                <ChevronDownIcon className="size-4" />
              </>
            }
          >
            {power.length === 0 ? <MenuLabel>{tp("bar.noPower")}</MenuLabel> : null}
            {power.map((a) => (
              <MenuItem
                key={a}
                testId={`vm-action-${a}`}
                disabled={!can(a)}
                onSelect={() => actions.request(vm, a)}
                className={DESTRUCTIVE_ACTIONS.has(a) ? "text-red-700 dark:text-red-300" : undefined}
              >
                {t(`actions.${a}`)}
                {DESTRUCTIVE_ACTIONS.has(a) ? "…" : ""}
              </MenuItem>
            ))}
          </Menu>
        ) : null}
        <Menu
          label={tp("bar.moreMenu")}
          testId="vm-more"
          align="start"
          triggerClassName="size-8 h-8"
          trigger={<MoreIcon className="size-5" />}
        >
          {canPower ? (
            <MenuCheckboxItem
              testId={`vm-action-${autostartAction}`}
              checked={vm.autostart}
              disabled={!can(autostartAction)}
              onCheckedChange={() => actions.request(vm, autostartAction)}
            >
              {tp("bar.autostart")}
            </MenuCheckboxItem>
          ) : null}
          {canMigrate ? (
            <MenuItem testId="vm-migrate-open" disabled={disabled} onSelect={() => onMigrate?.()}>
              {tp("bar.migrate")}
            </MenuItem>
          ) : null}
          {canDelete ? (
            <>
              {canPower || canMigrate ? <MenuSeparator /> : null}
              <MenuItem
                testId="vm-delete-open"
                disabled={disabled}
                onSelect={onDelete}
                className="text-red-700 dark:text-red-300"
              >
                {tp("bar.delete")}
              </MenuItem>
            </>
          ) : null}
        </Menu>
      </div>
      {shuttingDown && slow ? (
        <Alert
          tone="warning"
          testId="vm-shutdown-slow"
          title={tp("bar.shutdownSlow", { name: vm.name, seconds: SHUTDOWN_PATIENCE_S })}
        >
          <div className="mt-1 flex flex-wrap gap-2">
            <Button size="sm" variant="secondary" onClick={onKeepWaiting} testId="vm-shutdown-wait">
              {tp("bar.keepWaiting")}
            </Button>
            {allowed.has("destroy") ? (
              <Button
                size="sm"
                variant="danger"
                onClick={() => actions.request(vm, "destroy")}
                testId="vm-shutdown-force"
              >
                {tp("bar.forceOff")}
              </Button>
            ) : null}
          </div>
        </Alert>
      ) : null}
    </div>
  );
}

/** True once `since` is SHUTDOWN_PATIENCE_S old (false again when it changes). */
function useSlow(since: number | null): boolean {
  const [slowSince, setSlowSince] = useState<number | null>(null);
  useEffect(() => {
    if (since === null) return;
    const timer = setTimeout(() => setSlowSince(since), Math.max(0, since + SHUTDOWN_PATIENCE_S * 1000 - Date.now()));
    return () => clearTimeout(timer);
  }, [since]);
  return since !== null && slowSince === since;
}
