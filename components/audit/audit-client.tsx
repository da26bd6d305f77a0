"use client";

import { useState, type FormEvent } from "react";
import { useFormatter, useTranslations } from "use-intl";
import { ApiError, fetchJson } from "@/components/api/fetch-json";
import { PageHeader } from "@/components/shell/page-header";
import { ErrorBanner } from "@/components/ui/alert";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import { TBody, TD, TH, THead, TR, Table, TableEmpty } from "@/components/ui/table";

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

const OUTCOMES = ["success", "failure", "denied"] as const;
const OUTCOME_TONE: Record<string, BadgeTone> = { success: "success", failure: "warning", denied: "danger" };

/** Details as one line of compact JSON (what the filters and specs match on); empty objects show nothing. */
function detailsText(details: unknown): string {
  if (details == null) return "";
  if (typeof details === "object" && Object.keys(details).length === 0) return "";
  return JSON.stringify(details);
}

export function AuditClient({ initial }: { initial: Page }) {
  const t = useTranslations("audit");
  const format = useFormatter();
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

  const outcomeLabel = (o: string) => (t.has(`outcomes.${o}`) ? t(`outcomes.${o}` as "outcomes.success") : o);

  return (
    <>
      <PageHeader title={t("title")} description={t("intro")} />
      <div className="space-y-4">
        <Card>
          <form onSubmit={onFilter} className="grid items-end gap-4 p-4 sm:grid-cols-2 lg:grid-cols-[1fr_1fr_1fr_auto]">
            <Field label={t("filterActor")}>{(p) => <Input {...p} name="actor" testId="audit-filter-actor" />}</Field>
            <Field label={t("filterAction")}>
              {(p) => <Input {...p} name="action" placeholder="auth.login" className="font-mono" testId="audit-filter-action" />}
            </Field>
            <Field label={t("filterOutcome")}>
              {(p) => (
                <Select {...p} name="outcome" defaultValue="" testId="audit-filter-outcome">
                  <option value="">{t("any")}</option>
                  {OUTCOMES.map((o) => (
                    <option key={o} value={o}>
                      {outcomeLabel(o)}
                    </option>
                  ))}
                </Select>
              )}
            </Field>
            <Button type="submit" loading={busy} testId="audit-filter-submit">
              {t("apply")}
            </Button>
          </form>
        </Card>

        {error ? <ErrorBanner testId="form-error">{error}</ErrorBanner> : null}

        <Table caption={t("title")} testId="audit-table">
          <THead>
            <TR>
              <TH>{t("time")}</TH>
              <TH>{t("actor")}</TH>
              <TH>{t("action")}</TH>
              <TH>{t("outcome")}</TH>
              <TH>{t("target")}</TH>
              <TH>{t("source")}</TH>
              <TH>{t("details")}</TH>
            </TR>
          </THead>
          <TBody>
            {events.length === 0 ? (
              <TableEmpty colSpan={7}>
                <span data-testid="audit-empty">{t("empty")}</span>
              </TableEmpty>
            ) : null}
            {events.map((e) => {
              const details = detailsText(e.details);
              return (
                <TR key={e.id} testId="audit-row" data-action={e.action} data-outcome={e.outcome}>
                  <TD className="text-slate-600 tabular-nums dark:text-slate-400">
                    <time dateTime={e.at}>{format.dateTime(new Date(e.at), { dateStyle: "short", timeStyle: "medium" })}</time>
                  </TD>
                  <TD className="font-mono text-xs">{e.actorName}</TD>
                  <TD className="font-mono text-xs">{e.action}</TD>
                  <TD>
                    <Badge tone={OUTCOME_TONE[e.outcome] ?? "neutral"} dot>
                      {outcomeLabel(e.outcome)}
                    </Badge>
                  </TD>
                  <TD>{e.targetName && `${e.targetType}: ${e.targetName}`}</TD>
                  <TD className="font-mono text-xs text-slate-600 dark:text-slate-400">{e.ip}</TD>
                  {/* Takes the width left over and cuts the JSON to one line there; the tooltip has it pretty-printed. */}
                  <TD className="w-full max-w-0 min-w-64">
                    <div className="truncate font-mono text-xs text-slate-600 dark:text-slate-400" title={details ? JSON.stringify(e.details, null, 2) : undefined}>
                      {details}
                    </div>
                  </TD>
                </TR>
              );
            })}
          </TBody>
        </Table>

        {next ? (
          <div className="flex justify-center">
            <Button variant="secondary" loading={busy} onClick={() => load(filters, next)} testId="audit-more">
              {t("loadMore")}
            </Button>
          </div>
        ) : null}
      </div>
    </>
  );
}
