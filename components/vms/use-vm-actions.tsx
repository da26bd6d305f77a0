"use client";

import { useState, type ReactNode } from "react";
import { useTranslations } from "use-intl";
import { ApiError, fetchJson } from "@/components/api/fetch-json";
import { ConfirmDialog } from "@/components/ui/dialog";
import { shutdownAskedSet } from "@/components/vms/shutdown-pending";
import { DESTRUCTIVE_ACTIONS, vmKey, type VmAction, type VmSummary } from "@/components/vms/types";

export interface VmActionFailure {
  name: string;
  action: VmAction;
  message: string;
}

type Target = Pick<VmSummary, "hostId" | "uuid" | "name">;

/**
 * Runs VM actions through POST /api/vms/:hostId/:uuid/actions: asks first for
 * the destructive ones (kit ConfirmDialog, testId "vm-confirm"), tracks which
 * action is busy per VM and keeps the API's message of the last failure.
 */
export function useVmActions({
  onResult,
  onSucceeded,
}: {
  onResult: (vm: VmSummary) => void;
  /** After the host accepted the action (a shutdown is then under way, not done). */
  onSucceeded?: (vm: VmSummary, action: VmAction) => void;
}) {
  const t = useTranslations("vms");
  const [busy, setBusy] = useState<ReadonlyMap<string, VmAction>>(new Map());
  const [failure, setFailure] = useState<VmActionFailure | null>(null);
  const [confirm, setConfirm] = useState<{ vm: Target; action: VmAction } | null>(null);

  async function run(vm: Target, action: VmAction) {
    const key = vmKey(vm);
    setFailure(null);
    setBusy((m) => new Map(m).set(key, action));
    try {
      const r = await fetchJson<{ vm: VmSummary }>(
        `/api/vms/${encodeURIComponent(vm.hostId)}/${encodeURIComponent(vm.uuid)}/actions`,
        {
          body: { action },
        },
      );
      onResult(r.vm);
      if (action === "shutdown") shutdownAskedSet(key, Date.now());
      else if (!action.startsWith("autostart")) shutdownAskedSet(key, null);
      onSucceeded?.(r.vm, action);
    } catch (err) {
      setFailure({ name: vm.name, action, message: err instanceof ApiError ? err.message : String(err) });
    } finally {
      setBusy((m) => {
        const next = new Map(m);
        next.delete(key);
        return next;
      });
      setConfirm((c) => (c && vmKey(c.vm) === key ? null : c));
    }
  }

  function request(vm: Target, action: VmAction) {
    if (DESTRUCTIVE_ACTIONS.has(action)) setConfirm({ vm, action });
    else void run(vm, action);
  }

  const pending = confirm ? busy.get(vmKey(confirm.vm)) === confirm.action : false;
  const dialog: ReactNode = (
    <ConfirmDialog
      open={confirm !== null}
      testId="vm-confirm"
      title={confirm ? t(`confirm.${confirm.action}.title`, { name: confirm.vm.name }) : ""}
      description={confirm ? t(`confirm.${confirm.action}.body`) : undefined}
      confirmLabel={confirm ? t(`actions.${confirm.action}`) : undefined}
      pending={pending}
      onConfirm={() => confirm && void run(confirm.vm, confirm.action)}
      onCancel={() => setConfirm(null)}
    />
  );

  return {
    request,
    busyAction: (vm: Pick<VmSummary, "hostId" | "uuid">) => busy.get(vmKey(vm)) ?? null,
    failure,
    clearFailure: () => setFailure(null),
    dialog,
    failureText: (f: VmActionFailure) => t("actionFailed", { action: t(`actions.${f.action}`), name: f.name }),
  };
}
