"use client";
import { useFormatter, useNow, useTranslations } from "use-intl";
import { Button } from "@/components/ui/button";
import type { ConsoleHolder } from "@/components/console/ticket";

/** 409 console_held: who is at the console, and what this user may do about it. */
/** `canView`: SPICE has no view-only mode on the server. */
export function HeldPanel({
  holders,
  canView,
  canTakeover,
  onView,
  onTakeover,
  onRetry,
}: {
  holders: ConsoleHolder[];
  canView: boolean;
  canTakeover: boolean;
  onView: () => void;
  onTakeover: () => void;
  onRetry: () => void;
}) {
  const t = useTranslations("console");
  const format = useFormatter();
  const now = useNow({ updateInterval: 30_000 });
  return (
    <section
      data-testid="console-held"
      aria-labelledby="console-held-title"
      className="w-full max-w-md rounded-xl bg-white p-5 text-slate-900 shadow-xl ring-1 ring-slate-200 dark:bg-slate-900 dark:text-slate-100 dark:ring-slate-700"
    >
      <h2 id="console-held-title" className="text-base font-semibold">
        {t("held.title")}
      </h2>
      <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">{t("held.body")}</p>
      <ul className="mt-3 space-y-1 text-sm" data-testid="console-holders">
        {holders.map((h, i) => {
          const since = new Date(h.since);
          return (
            <li key={`${h.username}-${i}`} data-testid="console-holder" className="flex flex-wrap items-center gap-x-2">
              <span>
                {t("held.holder", {
                  username: h.username,
                  kind: t(`kinds.${h.kind}`),
                  since: Number.isNaN(since.getTime()) ? "?" : format.relativeTime(since, now),
                })}
              </span>
              {h.viewOnly ? (
                <span className="text-xs text-slate-500 dark:text-slate-400">({t("held.holderViewOnly")})</span>
              ) : null}
            </li>
          );
        })}
      </ul>
      <div className="mt-5 flex flex-wrap justify-end gap-2">
        <Button variant="ghost" size="sm" testId="console-held-retry" onClick={onRetry}>
          {t("held.retry")}
        </Button>
        {canView ? (
          <Button variant="secondary" size="sm" testId="console-view-only" onClick={onView}>
            {t("held.viewOnly")}
          </Button>
        ) : null}
        {canTakeover ? (
          <Button variant="danger" size="sm" testId="console-takeover" onClick={onTakeover}>
            {t("held.takeover")}
          </Button>
        ) : null}
      </div>
    </section>
  );
}
