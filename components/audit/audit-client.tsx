"use client";

import { useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";
import { ApiError, fetchJson } from "@/components/api/fetch-json";
import { FormError } from "@/components/auth/field";

export interface AuditEventRow {
  id: string;
  at: string;
  actorName: string;
  action: string;
  outcome: string;
  targetType: string;
  targetName: string;
  ip: string;
  details: unknown;
}

interface Page {
  events: AuditEventRow[];
  nextBefore: string | null;
}

const input = "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-700 dark:bg-slate-950";
const OUTCOME_STYLE: Record<string, string> = {
  success: "bg-emerald-100 text-emerald-800 dark:bg-emerald-900 dark:text-emerald-200",
  failure: "bg-amber-100 text-amber-800 dark:bg-amber-900 dark:text-amber-200",
  denied: "bg-red-100 text-red-800 dark:bg-red-900 dark:text-red-200",
};

export function AuditClient({ initial }: { initial: Page }) {
  const t = useTranslations("audit");
  const [events, setEvents] = useState(initial.events);
  const [next, setNext] = useState(initial.nextBefore);
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function load(f: Record<string, string>, before: string | null) {
    setBusy(true);
    setError(null);
    try {
      const q = new URLSearchParams(Object.entries(f).filter(([, v]) => v));
      if (before) q.set("before", before);
      const page = await fetchJson<Page>(`/api/audit?${q}`);
      setEvents((prev) => (before ? [...prev, ...page.events] : page.events));
      setNext(page.nextBefore);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  function onFilter(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const fd = new FormData(e.currentTarget);
    const f = { actor: String(fd.get("actor") ?? ""), action: String(fd.get("action") ?? ""), outcome: String(fd.get("outcome") ?? "") };
    setFilters(f);
    void load(f, null);
  }

  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-2xl font-semibold text-slate-900 dark:text-slate-100">{t("title")}</h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">{t("intro")}</p>
      </div>
      <form onSubmit={onFilter} className="grid gap-3 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-4 dark:border-slate-800 dark:bg-slate-900">
        <label className="text-sm">
          <span className="mb-1 block font-medium">{t("filterActor")}</span>
          <input name="actor" className={input} data-testid="audit-filter-actor" />
        </label>
        <label className="text-sm">
          <span className="mb-1 block font-medium">{t("filterAction")}</span>
          <input name="action" className={input} placeholder="auth.login" data-testid="audit-filter-action" />
        </label>
        <label className="text-sm">
          <span className="mb-1 block font-medium">{t("filterOutcome")}</span>
          <select name="outcome" className={input} data-testid="audit-filter-outcome" defaultValue="">
            <option value="">{t("any")}</option>
            {(["success", "failure", "denied"] as const).map((o) => (
              <option key={o} value={o}>
                {t(`outcomes.${o}`)}
              </option>
            ))}
          </select>
        </label>
        <div className="flex items-end">
          <button type="submit" disabled={busy} data-testid="audit-filter-submit" className="rounded-md bg-indigo-600 px-3 py-2 text-sm font-medium text-white hover:bg-indigo-500 disabled:opacity-60">
            {t("apply")}
          </button>
        </div>
      </form>
      <FormError message={error} />
      <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <table className="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800" data-testid="audit-table">
          <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500 dark:bg-slate-950">
            <tr>
              <th className="px-4 py-2">{t("time")}</th>
              <th className="px-4 py-2">{t("actor")}</th>
              <th className="px-4 py-2">{t("action")}</th>
              <th className="px-4 py-2">{t("outcome")}</th>
              <th className="px-4 py-2">{t("target")}</th>
              <th className="px-4 py-2">{t("source")}</th>
              <th className="px-4 py-2">{t("details")}</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {events.length === 0 && (
              <tr>
                <td colSpan={7} className="px-4 py-8 text-center text-slate-500" data-testid="audit-empty">
                  {t("empty")}
                </td>
              </tr>
            )}
            {events.map((e) => (
              <tr key={e.id} data-testid="audit-row" data-action={e.action} data-outcome={e.outcome}>
                <td className="whitespace-nowrap px-4 py-2 text-slate-600 dark:text-slate-400">{new Date(e.at).toLocaleString()}</td>
                <td className="px-4 py-2 font-mono">{e.actorName}</td>
                <td className="px-4 py-2 font-mono">{e.action}</td>
                <td className="px-4 py-2">
                  <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${OUTCOME_STYLE[e.outcome] ?? ""}`}>
                    {t.has(`outcomes.${e.outcome}`) ? t(`outcomes.${e.outcome}` as "outcomes.success") : e.outcome}
                  </span>
                </td>
                <td className="px-4 py-2">{e.targetName && `${e.targetType}: ${e.targetName}`}</td>
                <td className="px-4 py-2 font-mono text-xs">{e.ip}</td>
                <td className="max-w-xs truncate px-4 py-2 font-mono text-xs text-slate-500" title={JSON.stringify(e.details)}>
                  {e.details && Object.keys(e.details as object).length ? JSON.stringify(e.details) : ""}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {next && (
        <button type="button" disabled={busy} onClick={() => load(filters, next)} data-testid="audit-more" className="rounded-md border border-slate-300 px-3 py-2 text-sm dark:border-slate-700">
          {t("loadMore")}
        </button>
      )}
    </div>
  );
}
