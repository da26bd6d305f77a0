"use client";

import { useState, type FormEvent } from "react";
import { useFormatter, useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall, useConfirmAction } from "@/components/api/use-action";
import { useApiTokens } from "@/components/data/use-account";
import { Alert, ErrorBanner } from "@/components/ui/alert";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { TBody, TD, TH, THead, TR, Table, TableEmpty } from "@/components/ui/table";
import { CopyButton } from "@/components/vms/copy-button";

/** lib/auth/api-tokens.ts ApiTokenView. */
interface TokenRow {
  id: string;
  name: string;
  prefix: string;
  privileges: string[];
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  status: "active" | "expired" | "revoked";
  owner: { id: string; username: string };
}

interface ListAnswer {
  tokens: TokenRow[];
  grantable: string[];
  maxDays: number;
}

const STATUS_TONE: Record<TokenRow["status"], BadgeTone> = { active: "success", expired: "neutral", revoked: "danger" };

/**
 * API tokens: "own" (account page: list, create, revoke) or "all" (security
 * page, user.manage: every user's tokens, revoke).
 */
export function ApiTokensCard({ scope }: { scope: "own" | "all" }) {
  const t = useTranslations("tokens");
  const format = useFormatter();
  const list = useApiTokens<ListAnswer>(scope);
  const data = list.data ?? null;
  const { busy, error: callError, setError, call } = useApiCall();
  const error = callError ?? list.error ?? null;
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<string | null>(null);

  function onCreate(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const body = {
      name: String(f.get("name") ?? ""),
      expiresInDays: Number(f.get("expiresInDays")),
      privileges: f.getAll("privilege").map(String),
    };
    void call(async () => {
      const r = await fetchJson<{ token: string }>("/api/tokens", { body });
      setCreated(r.token);
      setCreating(false);
      await list.mutate();
    });
  }

  const revoke = useConfirmAction(async (k: TokenRow) => {
    await fetchJson(`/api/tokens/${k.id}`, { method: "DELETE" });
    await list.mutate();
  });

  const when = (iso: string | null) =>
    iso ? format.dateTime(new Date(iso), { dateStyle: "medium", timeStyle: "short" }) : t("never");
  const columns = scope === "all" ? 8 : 7;

  return (
    <Card testId={scope === "all" ? "tokens-all-card" : "tokens-card"}>
      <CardHeader
        title={scope === "all" ? t("allTitle") : t("title")}
        description={scope === "all" ? t("allIntro") : t("intro")}
        actions={
          scope === "own" && !creating ? (
            <Button
              size="sm"
              onClick={() => (setError(null), setCreated(null), setCreating(true))}
              testId="token-new"
              disabled={!data}
            >
              {t("create")}
            </Button>
          ) : null
        }
      />
      <CardBody className="space-y-4">
        {created ? (
          <Alert tone="warning" title={t("createdTitle")} testId="token-created">
            <p>{t("createdText")}</p>
            <div className="mt-2 flex flex-wrap items-center gap-2">
              <code
                className="rounded bg-white px-2 py-1 font-mono text-xs break-all text-slate-900 dark:bg-slate-900 dark:text-slate-100"
                data-testid="token-value"
              >
                {created}
              </code>
              <CopyButton text={created} testId="token-copy" />
              <Button size="sm" variant="secondary" onClick={() => setCreated(null)} testId="token-created-done">
                {t("done")}
              </Button>
            </div>
          </Alert>
        ) : null}
        {error && !error.issues.length ? <ErrorBanner testId="token-error">{error.message}</ErrorBanner> : null}

        {creating && data ? (
          <form
            onSubmit={onCreate}
            className="space-y-4 rounded-lg border border-slate-200 p-4 dark:border-slate-700"
            data-testid="token-form"
            noValidate
          >
            <div className="grid gap-4 sm:grid-cols-2">
              <Field label={t("name")} error={error?.fieldMessage("name")} required>
                {(p) => (
                  <Input
                    {...p}
                    name="name"
                    placeholder={t("namePlaceholder")}
                    maxLength={64}
                    testId="token-name"
                    autoFocus
                  />
                )}
              </Field>
              <Field
                label={t("expiresIn")}
                hint={t("expiresHint", { max: data.maxDays })}
                error={error?.fieldMessage("expiresInDays")}
                required
              >
                {(p) => (
                  <Input
                    {...p}
                    name="expiresInDays"
                    type="number"
                    min={1}
                    max={data.maxDays}
                    defaultValue={Math.min(30, data.maxDays)}
                    testId="token-days"
                  />
                )}
              </Field>
            </div>
            <fieldset>
              <legend className="mb-2 text-sm font-medium text-slate-900 dark:text-slate-100">{t("privileges")}</legend>
              <p className="mb-2 text-xs text-slate-600 dark:text-slate-400">{t("privilegesHint")}</p>
              <div className="grid gap-2 sm:grid-cols-3">
                {data.grantable.map((p) => (
                  <label key={p} className="flex items-center gap-2 font-mono text-xs">
                    <input
                      type="checkbox"
                      name="privilege"
                      value={p}
                      data-testid={`token-priv-${p}`}
                      className="size-4 rounded border-slate-300"
                    />
                    {p}
                  </label>
                ))}
              </div>
              {error?.fieldMessage("privileges") ? (
                <p className="mt-1 text-sm text-red-600">{error.fieldMessage("privileges")}</p>
              ) : null}
            </fieldset>
            <div className="flex gap-2">
              <Button type="submit" loading={busy} testId="token-submit">
                {busy ? t("creating") : t("submit")}
              </Button>
              <Button variant="secondary" onClick={() => (setCreating(false), setError(null))}>
                {t("cancel")}
              </Button>
            </div>
          </form>
        ) : null}

        <Table caption={t("title")} testId={scope === "all" ? "tokens-all-table" : "tokens-table"}>
          <THead>
            <TR>
              <TH>{t("colName")}</TH>
              {scope === "all" ? <TH>{t("colOwner")}</TH> : null}
              <TH>{t("colPrefix")}</TH>
              <TH>{t("colPrivileges")}</TH>
              <TH>{t("colExpires")}</TH>
              <TH>{t("colLastUsed")}</TH>
              <TH>{t("colStatus")}</TH>
              <TH className="text-right">
                <span className="sr-only">{t("revoke")}</span>
              </TH>
            </TR>
          </THead>
          <TBody>
            {data && data.tokens.length === 0 ? (
              <TableEmpty colSpan={columns}>
                <span data-testid="tokens-empty">{t("empty")}</span>
              </TableEmpty>
            ) : null}
            {data?.tokens.map((k) => (
              <TR key={k.id} testId="token-row" data-name={k.name} data-status={k.status}>
                <TD>{k.name}</TD>
                {scope === "all" ? <TD className="font-mono text-xs">{k.owner.username}</TD> : null}
                <TD className="font-mono text-xs">vdt_{k.prefix}_…</TD>
                <TD wrap className="font-mono text-xs">
                  {k.privileges.join(", ")}
                </TD>
                <TD className="tabular-nums">{when(k.expiresAt)}</TD>
                <TD className="tabular-nums">{when(k.lastUsedAt)}</TD>
                <TD>
                  <Badge tone={STATUS_TONE[k.status]} dot>
                    {t(`status.${k.status}`)}
                  </Badge>
                </TD>
                <TD className="text-right">
                  {k.status !== "revoked" ? (
                    <Button size="sm" variant="danger" onClick={() => revoke.ask(k)} testId="token-revoke">
                      {t("revoke")}
                    </Button>
                  ) : null}
                </TD>
              </TR>
            ))}
          </TBody>
        </Table>
      </CardBody>
      <ConfirmDialog
        {...revoke.dialog}
        title={revoke.target ? t("revokeTitle", { name: revoke.target.name }) : ""}
        description={t("revokeText")}
        confirmLabel={t("revoke")}
        testId="token-revoke-dialog"
      />
    </Card>
  );
}
