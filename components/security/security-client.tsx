"use client";

import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall, useConfirmAction } from "@/components/api/use-action";
import { Alert, ErrorBanner } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardFooter, CardHeader } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/dialog";
import { TBody, TD, TH, THead, TR, Table } from "@/components/ui/table";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { ApiTokensCard } from "@/components/account/api-tokens-card";

interface Policy {
  totpRequiredRoles: string[];
  apiTokenMaxDays: number;
  shareLinkMaxHours: number;
  updatedAt: string | null;
}

interface UserRow {
  id: string;
  username: string;
  role: string;
  enabled: boolean;
}

export function SecurityClient({
  policy,
  roles,
  users,
  meId,
}: {
  policy: Policy;
  roles: string[];
  users: UserRow[];
  meId: string;
}) {
  const t = useTranslations("twofactor");
  const tt = useTranslations("tokens");
  const tsh = useTranslations("share");
  const router = useRouter();
  const { busy, error: failure, call } = useApiCall();
  const error = failure?.message ?? null;
  const [saved, setSaved] = useState<number | null>(null);

  const roleLabel = (r: string) => (t.has(`roles.${r}`) ? t(`roles.${r}` as "roles.admin") : r);

  async function onSave(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    setSaved(null);
    const body = {
      totpRequiredRoles: f.getAll("role").map(String),
      apiTokenMaxDays: Number(f.get("apiTokenMaxDays")),
      shareLinkMaxHours: Number(f.get("shareLinkMaxHours")),
    };
    await call(async () => {
      const r = await fetchJson<{ policy: Policy & { signedOut: number } }>("/api/security/policy", {
        method: "PUT",
        body,
      });
      setSaved(r.policy.signedOut);
      router.refresh();
    });
  }

  const reset = useConfirmAction(async (u: UserRow) => {
    await fetchJson(`/api/users/${u.id}/totp`, { method: "DELETE" });
    router.refresh();
  });

  return (
    <div className="space-y-6">
      <Card testId="policy-card">
        <CardHeader title={t("policyTitle")} description={t("policyIntro")} />
        <form onSubmit={onSave}>
          <CardBody className="space-y-3">
            {saved !== null ? (
              <Alert tone="success" testId="policy-saved">
                {t("policySaved", { count: saved })}
              </Alert>
            ) : null}
            {error ? <ErrorBanner testId="form-error">{error}</ErrorBanner> : null}
            <fieldset className="flex flex-wrap gap-4">
              <legend className="sr-only">{t("policyTitle")}</legend>
              {roles.map((r) => (
                <label key={r} className="flex items-center gap-2 text-sm">
                  <input
                    type="checkbox"
                    name="role"
                    value={r}
                    defaultChecked={policy.totpRequiredRoles.includes(r)}
                    data-testid={`policy-role-${r}`}
                    className="size-4 rounded border-slate-300"
                  />
                  {roleLabel(r)}
                </label>
              ))}
            </fieldset>
            <Field label={tt("maxDays")} className="max-w-xs">
              {(p) => (
                <Input
                  {...p}
                  name="apiTokenMaxDays"
                  type="number"
                  min={1}
                  max={3650}
                  defaultValue={policy.apiTokenMaxDays}
                  testId="policy-token-days"
                />
              )}
            </Field>
            <Field label={tsh("policyMaxHours")} hint={tsh("policyMaxHoursHint")} className="max-w-xs">
              {(p) => (
                <Input
                  {...p}
                  name="shareLinkMaxHours"
                  type="number"
                  min={1}
                  max={8760}
                  defaultValue={policy.shareLinkMaxHours}
                  testId="policy-share-hours"
                />
              )}
            </Field>
          </CardBody>
          <CardFooter>
            <Button type="submit" loading={busy} testId="policy-save">
              {t("policySave")}
            </Button>
          </CardFooter>
        </form>
      </Card>

      <Table caption={t("title")} testId="totp-users">
        <THead>
          <TR>
            <TH>{t("colUser")}</TH>
            <TH>{t("colRole")}</TH>
            <TH>{t("title")}</TH>
            <TH className="text-right">
              <span className="sr-only">{t("reset")}</span>
            </TH>
          </TR>
        </THead>
        <TBody>
          {users.map((u) => (
            <TR key={u.id} testId="totp-user-row" data-username={u.username}>
              <TD className="font-mono text-xs">{u.username}</TD>
              <TD>{roleLabel(u.role)}</TD>
              <TD>
                <Badge tone={u.enabled ? "success" : "neutral"} dot>
                  {u.enabled ? t("statusOn") : t("statusOff")}
                </Badge>
              </TD>
              <TD className="text-right">
                {u.enabled && u.id !== meId ? (
                  <Button size="sm" variant="secondary" onClick={() => reset.ask(u)} testId="totp-user-reset">
                    {t("reset")}
                  </Button>
                ) : null}
              </TD>
            </TR>
          ))}
        </TBody>
      </Table>

      <ApiTokensCard scope="all" />

      <ConfirmDialog
        {...reset.dialog}
        title={t("resetTitle")}
        description={reset.target ? t("resetText", { username: reset.target.username }) : undefined}
        confirmLabel={t("reset")}
        testId="totp-reset-dialog"
      />
    </div>
  );
}
