"use client";

import { useTranslations } from "use-intl";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import type { VmState } from "@/components/vms/types";

const TONE: Record<VmState, BadgeTone> = {
  running: "success",
  blocked: "success",
  paused: "warning",
  shutdown: "warning",
  shutoff: "neutral",
  crashed: "danger",
  pmsuspended: "info",
  nostate: "neutral",
};

/** A VM's state as a colored badge; `data-state` carries the raw value for tests. */
export function VmStateBadge({ state, testId = "vm-state" }: { state: VmState; testId?: string }) {
  const t = useTranslations("vms");
  return (
    <span data-testid={testId} data-state={state} className="inline-flex">
      <Badge tone={TONE[state] ?? "neutral"} dot>
        {t.has(`states.${state}`) ? t(`states.${state}` as "states.running") : state}
      </Badge>
    </span>
  );
}
