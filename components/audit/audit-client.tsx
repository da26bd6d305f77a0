"use client";

import { useState, type FormEvent } from "react";
import { usePathname, useRouter } from "next/navigation";
import { useFormatter, useTranslations } from "use-intl";
import { useAuditLog, type AuditPage as Page } from "@/components/data/use-audit";
import { PageHeader } from "@/components/shell/page-header";
import { ErrorBanner } from "@/components/ui/alert";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button, buttonClasses } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import { TBody, TD, TH, THead, TR, Table, TableEmpty } from "@/components/ui/table";
import { auditDetailLines, auditTargetLabel } from "./audit-format";

/** Filter values as they travel in the URL and to the API (from/to as ISO instants). */
export type AuditFilters = Partial<Record<"actor" | "action" | "outcome" | "host" | "vm" | "from" | "to", string>>;

const FILTER_KEYS = ["actor", "action", "outcome", "host", "vm", "from", "to"] as const;
const OUTCOMES = ["success", "failure", "denied"] as const;
const OUTCOME_TONE: Record<string, BadgeTone> = { success: "success", failure: "warning", denied: "danger" };

/** Details as one line of compact JSON (what the filters and specs match on); empty objects show nothing. */
function detailsText(details: unknown): string {
  if (details == null) return "";
  if (typeof details === "object" && Object.keys(details).length === 0) return "";
  return JSON.stringify(details);
}

function queryOf(f: AuditFilters): URLSearchParams {
  return new URLSearchParams(FILTER_KEYS.flatMap((k) => (f[k] ? [[k, f[k]!]] : [])));
}

/** <input type="datetime-local"> speaks local wall time without a zone; the API wants instants. */
function localToIso(v: string): string {
  return v ? new Date(v).toISOString() : "";
}

function isoToLocal(v: string | undefined): string {
  if (!v) return "";
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return "";
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function AuditClient({
  initial,
  initialFilters,
  hosts,
  actions,
}: {
  initial: Page;
  initialFilters: AuditFilters;
  hosts: { id: string; name: string }[];
  actions: string[];
}) {
  const t = useTranslations("audit");
  const format = useFormatter();
  const hostNames = new Map(hosts.map((h) => [h.id, h.name]));
  const hostName = (id: string) => hostNames.get(id);
  const router = useRouter();
  const pathname = usePathname();
  const [filters, setFilters] = useState<AuditFilters>(initialFilters);
  const [formKey, setFormKey] = useState(0);
  const query = queryOf(filters).toString();
  const log = useAuditLog(query, query === queryOf(initialFilters).toString() ? initial : undefined);
  const { events, next, total, busy } = log;
  const error = log.error?.message ?? null;

  function apply(f: AuditFilters) {
    setFilters(f);
    // The URL carries the filters, so a filtered view can be reloaded or shared.
    const q = queryOf(f).toString();
    router.replace(q ? `${pathname}?${q}` : pathname, { scroll: false });
  }

  function onFilter(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const fd = new FormData(e.currentTarget);
    const get = (k: string) => String(fd.get(k) ?? "").trim();
    apply({
      actor: get("actor"),
      action: get("action"),
      outcome: get("outcome"),
      host: get("host"),
      vm: get("vm"),
      from: localToIso(get("from")),
      to: localToIso(get("to")),
    });
  }

  function onReset() {
    setFormKey((k) => k + 1);
    apply({});
  }

  const outcomeLabel = (o: string) => (t.has(`outcomes.${o}`) ? t(`outcomes.${o}` as "outcomes.success") : o);
  const exportHref = `/api/audit/export?${queryOf(filters)}`;

  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("intro")}
        actions={
          <a href={exportHref} download className={buttonClasses({ variant: "secondary" })} data-testid="audit-export">
            {t("exportCsv")}
          </a>
        }
      />
      <div className="space-y-4">
        <Card>
          <form
            key={formKey}
            onSubmit={onFilter}
            className="grid items-end gap-4 p-4 sm:grid-cols-2 lg:grid-cols-4"
            data-testid="audit-filters"
          >
            <Field label={t("filterActor")}>
              {(p) => <Input {...p} name="actor" defaultValue={filters.actor} testId="audit-filter-actor" />}
            </Field>
            <Field label={t("filterAction")}>
              {(p) => (
                <Input
                  {...p}
                  name="action"
                  defaultValue={filters.action}
                  placeholder="auth.login"
                  list="audit-actions"
                  className="font-mono"
                  testId="audit-filter-action"
                />
              )}
            </Field>
            <datalist id="audit-actions">
              {actions.map((a) => (
                <option key={a} value={a} />
              ))}
            </datalist>
            <Field label={t("filterOutcome")}>
              {(p) => (
                <Select {...p} name="outcome" defaultValue={filters.outcome ?? ""} testId="audit-filter-outcome">
                  <option value="">{t("any")}</option>
                  {OUTCOMES.map((o) => (
                    <option key={o} value={o}>
                      {outcomeLabel(o)}
                    </option>
                  ))}
                </Select>
              )}
            </Field>
            <Field label={t("filterHost")}>
              {(p) => (
                <Select {...p} name="host" defaultValue={filters.host ?? ""} testId="audit-filter-host">
                  <option value="">{t("anyHost")}</option>
                  {hosts.map((h) => (
                    <option key={h.id} value={h.id}>
                      {h.name}
                    </option>
                  ))}
                </Select>
              )}
            </Field>
            <Field label={t("filterVm")}>
              {(p) => <Input {...p} name="vm" defaultValue={filters.vm} testId="audit-filter-vm" />}
            </Field>
            <Field label={t("filterFrom")}>
              {(p) => (
                <Input
                  {...p}
                  name="from"
                  type="datetime-local"
                  defaultValue={isoToLocal(filters.from)}
                  testId="audit-filter-from"
                />
              )}
            </Field>
            <Field label={t("filterTo")}>
              {(p) => (
                <Input
                  {...p}
                  name="to"
                  type="datetime-local"
                  defaultValue={isoToLocal(filters.to)}
                  testId="audit-filter-to"
                />
              )}
            </Field>
            <div className="flex gap-2">
              <Button type="submit" loading={busy} testId="audit-filter-submit">
                {t("apply")}
              </Button>
              <Button variant="ghost" onClick={onReset} testId="audit-filter-reset">
                {t("reset")}
              </Button>
            </div>
          </form>
        </Card>

        {error ? <ErrorBanner testId="form-error">{error}</ErrorBanner> : null}

        <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="audit-total" data-total={total}>
          {t("total", { count: total })}
          {total > 0 ? ` · ${t("shown", { shown: events.length })}` : null}
        </p>

        <Table caption={t("title")} testId="audit-table">
          <THead>
            <TR>
              <TH>{t("time")}</TH>
              <TH>{t("actor")}</TH>
              <TH>{t("action")}</TH>
              <TH>{t("target")}</TH>
              <TH>{t("details")}</TH>
            </TR>
          </THead>
          <TBody>
            {events.length === 0 ? (
              <TableEmpty colSpan={5}>
                <span data-testid="audit-empty">{t("empty")}</span>
              </TableEmpty>
            ) : null}
            {events.map((e) => {
              const details = detailsText(e.details);
              const readable = auditDetailLines(e.details);
              return (
                <TR
                  key={e.id}
                  testId="audit-row"
                  data-action={e.action}
                  data-outcome={e.outcome}
                  data-target-id={e.targetId}
                >
                  <TD className="text-slate-600 tabular-nums dark:text-slate-400">
                    <time dateTime={e.at} className="block whitespace-nowrap">
                      {format.dateTime(new Date(e.at), { dateStyle: "short", timeStyle: "medium" })}
                    </time>
                    <span className="block font-mono text-xs" title={t("source")}>
                      {e.ip}
                    </span>
                  </TD>
                  <TD className="font-mono text-xs">{e.actorName}</TD>
                  <TD>
                    <span className="block font-mono text-xs">{e.action}</span>
                    <Badge tone={OUTCOME_TONE[e.outcome] ?? "neutral"} dot>
                      {outcomeLabel(e.outcome)}
                    </Badge>
                  </TD>
                  <TD wrap="tight" title={e.targetId || undefined} data-testid="audit-target">
                    {auditTargetLabel(e, hostName)}
                  </TD>
                  <TD wrap="tight" className="text-xs text-slate-700 dark:text-slate-300">
                    {readable.lines.length ? (
                      <ul data-testid="audit-details">
                        {readable.lines.map((line, i) => (
                          <li key={i}>{line}</li>
                        ))}
                        {readable.more ? <li>{t("detailsMore", { count: readable.more })}</li> : null}
                      </ul>
                    ) : null}
                    {details ? (
                      <details className="mt-1">
                        <summary
                          className="cursor-pointer font-medium text-indigo-700 dark:text-indigo-300"
                          data-testid="audit-json-toggle"
                        >
                          {t("detailsJson")}
                        </summary>
                        <pre className="mt-1 font-mono text-xs whitespace-pre-wrap [overflow-wrap:anywhere] text-slate-600 dark:text-slate-400">
                          {details}
                        </pre>
                      </details>
                    ) : null}
                  </TD>
                </TR>
              );
            })}
          </TBody>
        </Table>

        {next ? (
          <div className="flex justify-center">
            <Button variant="secondary" loading={busy} onClick={log.more} testId="audit-more">
              {t("loadMore")}
            </Button>
          </div>
        ) : null}
      </div>
    </>
  );
}
