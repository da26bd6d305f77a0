"use client";

import { useState, type FormEvent } from "react";
import { useFormatter, useNow, useTranslations } from "use-intl";
import { fetchJson, type ApiError } from "@/components/api/fetch-json";
import { useApiCall, useConfirmAction } from "@/components/api/use-action";
import { useShareLinks } from "@/components/data/use-share-links";
import { useVmRecord } from "@/components/data/use-vms";
import { ErrorBanner } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { ConfirmDialog, Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import { TBody, TD, TH, THead, TR, Table, TableEmpty } from "@/components/ui/table";
import { CopyButton } from "@/components/vms/copy-button";
import {
  SHARE_DURATIONS_MINUTES,
  type ShareConsoleKind,
  type ShareLinkCreated,
  type ShareLinkView,
} from "@/lib/contracts/share-links";

const enc = encodeURIComponent;

/** The bits of GET /api/vms/:hostId/:uuid that say which consoles the VM has. */
interface VmConsoles {
  graphicsDevices: { type: string }[];
  serials: number;
}

function kindsOf(vm: VmConsoles | null): ShareConsoleKind[] {
  if (!vm) return [];
  const out: ShareConsoleKind[] = [];
  for (const k of ["vnc", "spice"] as const) if (vm.graphicsDevices.some((g) => g.type === k)) out.push(k);
  if (vm.serials > 0) out.push("serial");
  return out;
}

/**
 * A VM's console share links, for holders of vm.console: the Share dialog (console, duration
 * within the security policy, view-only, single use; the link shown once with a copy button)
 * and the links that can still be opened, each revocable after a confirmation.
 */
export function VmSharePanel({ hostId, uuid }: { hostId: string; uuid: string }) {
  const t = useTranslations("share");
  const format = useFormatter();
  const now = useNow({ updateInterval: 30_000 });
  const base = `/api/vms/${enc(hostId)}/${enc(uuid)}`;
  const shares = useShareLinks(hostId, uuid);
  const links = shares.data?.links ?? null;
  const all = shares.data?.all ?? false;
  const maxHours = shares.data?.maxHours ?? 24;
  const vm: VmConsoles | null = useVmRecord(hostId, uuid).data?.vm ?? null;
  const [dismissed, setDismissed] = useState<ApiError | null>(null);
  const error = shares.error && shares.error !== dismissed ? shares.error : null;
  const [open, setOpen] = useState(false);
  const load = shares.mutate;

  const revoke = useConfirmAction(async (l: ShareLinkView) => {
    await fetchJson(`/api/share-links/${enc(l.id)}`, { method: "DELETE" });
    await load();
  });

  const kinds = kindsOf(vm);

  return (
    <div className="mt-6" data-testid="vm-share-panel">
      <Card>
        <CardHeader
          title={t("panel.title")}
          description={all ? t("panel.descriptionAll") : t("panel.description")}
          actions={
            <Button
              size="sm"
              testId="share-open-dialog"
              disabled={vm !== null && kinds.length === 0}
              onClick={() => setOpen(true)}
            >
              {t("panel.share")}
            </Button>
          }
        />
        {error ? (
          <div className="px-5 pb-4">
            <ErrorBanner testId="share-load-error" onDismiss={() => setDismissed(error)}>
              {error.message}
            </ErrorBanner>
          </div>
        ) : null}
        <Table caption={t("panel.title")} testId="share-links" className="rounded-none shadow-none ring-0">
          <THead>
            <TR>
              <TH>{t("col.console")}</TH>
              <TH>{t("col.createdBy")}</TH>
              <TH>{t("col.expires")}</TH>
              <TH>{t("col.options")}</TH>
              <TH>{t("col.uses")}</TH>
              <TH className="text-right">
                <span className="sr-only">{t("revoke")}</span>
              </TH>
            </TR>
          </THead>
          <TBody>
            {links && links.length === 0 ? <TableEmpty colSpan={6}>{t("panel.empty")}</TableEmpty> : null}
            {(links ?? []).map((l) => (
              <TR key={l.id} testId={`share-link-${l.id}`}>
                <TD>{t(`kinds.${l.kind}`)}</TD>
                <TD>{l.createdBy.username}</TD>
                <TD>
                  <time
                    dateTime={l.expiresAt}
                    title={format.dateTime(new Date(l.expiresAt), { dateStyle: "medium", timeStyle: "short" })}
                  >
                    {format.relativeTime(new Date(l.expiresAt), now)}
                  </time>
                </TD>
                <TD wrap>
                  <span className="flex flex-wrap gap-1">
                    {l.viewOnly ? (
                      <Badge tone="warning">{t("viewOnlyBadge")}</Badge>
                    ) : (
                      <Badge tone="neutral">{t("interactiveBadge")}</Badge>
                    )}
                    {l.singleUse ? <Badge tone="info">{t("singleUseBadge")}</Badge> : null}
                  </span>
                </TD>
                <TD>{l.uses}</TD>
                <TD className="text-right">
                  <Button size="sm" variant="danger" testId={`share-revoke-${l.id}`} onClick={() => revoke.ask(l)}>
                    {t("revoke")}
                  </Button>
                </TD>
              </TR>
            ))}
          </TBody>
        </Table>
      </Card>

      {open ? (
        <ShareDialog
          base={base}
          kinds={kinds}
          maxHours={maxHours}
          onClose={() => setOpen(false)}
          onCreated={() => void load()}
        />
      ) : null}

      <ConfirmDialog
        {...revoke.dialog}
        title={t("revokeTitle")}
        description={t("revokeBody")}
        confirmLabel={t("revoke")}
        testId="share-revoke-dialog"
      />
    </div>
  );
}

function durationLabel(minutes: number, t: ReturnType<typeof useTranslations<"share">>): string {
  if (minutes < 60) return t("duration.minutes", { count: minutes });
  if (minutes < 1440 || minutes % 1440 !== 0)
    return t("duration.hours", { count: Math.round((minutes / 60) * 10) / 10 });
  return t("duration.days", { count: minutes / 1440 });
}

function ShareDialog({
  base,
  kinds,
  maxHours,
  onClose,
  onCreated,
}: {
  base: string;
  kinds: ShareConsoleKind[];
  maxHours: number;
  onClose: () => void;
  onCreated: () => void;
}) {
  const t = useTranslations("share");
  const tc = useTranslations("common");
  const durations = [...new Set([...SHARE_DURATIONS_MINUTES.filter((m) => m <= maxHours * 60), maxHours * 60])].sort(
    (a, b) => a - b,
  );
  const [kind, setKind] = useState<ShareConsoleKind>(kinds[0] ?? "vnc");
  const [minutes, setMinutes] = useState(durations.includes(60) ? 60 : durations[0]);
  // View-only unless the sharer chooses otherwise: a link handed on should not type into the guest by default.
  const [viewOnly, setViewOnly] = useState(true);
  const [singleUse, setSingleUse] = useState(false);
  const { busy, error: failure, call } = useApiCall();
  const error = failure?.message ?? null;
  const [created, setCreated] = useState<{ url: string; link: ShareLinkView } | null>(null);

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    void call(async () => {
      const r = await fetchJson<ShareLinkCreated>(`${base}/share-links`, {
        method: "POST",
        body: { kind, expiresInMinutes: minutes, viewOnly: kind === "spice" ? false : viewOnly, singleUse },
      });
      setCreated({ url: `${location.origin}${r.path}`, link: r.link });
      onCreated();
    });
  }

  if (created) {
    return (
      <Dialog
        open
        onClose={onClose}
        title={t("dialog.createdTitle")}
        description={t("dialog.createdBody")}
        testId="share-dialog"
        footer={
          <Button testId="share-done" onClick={onClose}>
            {tc("actions.close")}
          </Button>
        }
      >
        <div className="flex items-center gap-2">
          <Input
            readOnly
            value={created.url}
            testId="share-url"
            aria-label={t("dialog.link")}
            onFocus={(e) => e.currentTarget.select()}
            className="font-mono text-xs"
          />
          <CopyButton text={created.url} testId="share-copy" />
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog open onClose={onClose} title={t("dialog.title")} description={t("dialog.body")} testId="share-dialog">
      <form onSubmit={onSubmit} className="space-y-4">
        {error ? <ErrorBanner testId="share-error">{error}</ErrorBanner> : null}
        <Field label={t("dialog.console")}>
          {(p) => (
            <Select
              {...p}
              value={kind}
              onChange={(e) => setKind(e.target.value as ShareConsoleKind)}
              testId="share-kind"
            >
              {kinds.map((k) => (
                <option key={k} value={k}>
                  {t(`kinds.${k}`)}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label={t("dialog.duration")} hint={t("dialog.durationHint", { hours: maxHours })}>
          {(p) => (
            <Select
              {...p}
              value={String(minutes)}
              onChange={(e) => setMinutes(Number(e.target.value))}
              testId="share-duration"
            >
              {durations.map((m) => (
                <option key={m} value={m}>
                  {durationLabel(m, t)}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <label className="flex items-start gap-2">
          <input
            type="checkbox"
            checked={viewOnly && kind !== "spice"}
            disabled={kind === "spice"}
            onChange={(e) => setViewOnly(e.target.checked)}
            data-testid="share-view-only-check"
            className="mt-0.5 size-4 rounded border-slate-300"
          />
          <span>
            <span className="font-medium">{t("dialog.viewOnly")}</span>
            <span className="block text-xs text-slate-500 dark:text-slate-400">
              {kind === "spice" ? t("dialog.viewOnlySpice") : t("dialog.viewOnlyHint")}
            </span>
          </span>
        </label>
        <label className="flex items-start gap-2">
          <input
            type="checkbox"
            checked={singleUse}
            onChange={(e) => setSingleUse(e.target.checked)}
            data-testid="share-single-use-check"
            className="mt-0.5 size-4 rounded border-slate-300"
          />
          <span>
            <span className="font-medium">{t("dialog.singleUse")}</span>
            <span className="block text-xs text-slate-500 dark:text-slate-400">{t("dialog.singleUseHint")}</span>
          </span>
        </label>
        <div className="flex justify-end gap-2 pt-2 pb-4">
          <Button variant="ghost" onClick={onClose}>
            {tc("actions.cancel")}
          </Button>
          <Button type="submit" loading={busy} testId="share-create">
            {t("dialog.create")}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
