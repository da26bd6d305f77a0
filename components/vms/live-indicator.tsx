"use client";

import { useTranslations } from "use-intl";
import { cn } from "@/components/ui/cn";
import type { LiveStatus } from "@/components/vms/fleet-events";

/** A dot and a word: are live updates arriving? */
export function LiveIndicator({ status, testId = "vms-live" }: { status: LiveStatus; testId?: string }) {
  const t = useTranslations("vms");
  return (
    <span
      data-testid={testId}
      data-status={status}
      role="status"
      title={t(`live.${status}Hint`)}
      className="inline-flex items-center gap-1.5 text-xs font-medium text-slate-600 dark:text-slate-400"
    >
      <span className="relative flex size-2" aria-hidden="true">
        {status === "live" ? (
          <span className="absolute inline-flex size-full animate-ping rounded-full bg-emerald-400 opacity-60 motion-reduce:hidden" />
        ) : null}
        <span
          className={cn(
            "relative inline-flex size-2 rounded-full",
            status === "live" ? "bg-emerald-500" : status === "reconnecting" ? "bg-amber-500" : "bg-slate-400",
          )}
        />
      </span>
      {t(`live.${status}`)}
    </span>
  );
}
