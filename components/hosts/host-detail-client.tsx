"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent, type ReactNode } from "react";
import { useFormatter, useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useHost } from "@/components/data/use-hosts";
import { useApiCall } from "@/components/api/use-action";
import { Alert, ErrorBanner } from "@/components/ui/alert";
import { Button, Spinner, buttonClasses } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { ConfirmDialog, FormDialog } from "@/components/ui/dialog";
import { CopyButton } from "@/components/vms/copy-button";
import { VmList } from "@/components/vms/vm-list";
import { HostFields, hostFieldsRead } from "@/components/hosts/host-fields";
import { HostInfoCard } from "@/components/hosts/host-info-card";
import { HostReadinessCard } from "@/components/onboarding/host-readiness-card";
import { HostStatusBadge } from "@/components/hosts/host-status-badge";
import { HostTestPanel } from "@/components/hosts/host-test-panel";
import { HostMaintenanceBadge, HostMaintenanceCard } from "@/components/hosts/host-maintenance-card";
import type { HostView, ProbeStep } from "@/components/hosts/types";

type Panel = "edit" | "delete" | "accept" | null;

export function HostDetailClient({
  hostId,
  canManage,
  canManageEndpoint,
  canPower,
}: {
  hostId: string;
  /** host.manage on this host: name, domain type, delete, accept a new key. */
  canManage: boolean;
  /** host.manage globally: address, port, user, libvirt URI, connection test. */
  canManageEndpoint: boolean;
  canPower: boolean;
}) {
  const t = useTranslations("hosts");
  const tc = useTranslations("common");
  const router = useRouter();
  const { host, error: loadError, put: setHost, reload: load } = useHost(hostId);
  const [panel, setPanel] = useState<Panel>(null);
  const { busy, error, setError, call } = useApiCall();
  const base = `/api/hosts/${encodeURIComponent(hostId)}`;

  function open(p: Panel) {
    setError(null);
    setPanel(p);
  }

  function close() {
    if (busy) return;
    setError(null);
    setPanel(null);
  }

  async function run(fn: () => Promise<void>) {
    await call(async () => {
      await fn();
      setPanel(null);
    });
  }

  function onEdit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const body = hostFieldsRead(new FormData(e.currentTarget));
    void run(async () => setHost((await fetchJson<{ host: HostView }>(base, { method: "PATCH", body })).host));
  }

  function onAccept(fingerprint: string) {
    void run(async () => {
      setHost((await fetchJson<{ host: HostView }>(`${base}/confirm-key`, { body: { fingerprint } })).host);
      // Connect again with the newly pinned key so the status is current; the test's own failures show on the page.
      const r = await fetchJson<{ steps: ProbeStep[]; host: HostView }>(`${base}/test`, {
        method: "POST",
      }).catch(() => null);
      if (r) setHost(r.host);
    });
  }

  function onDelete() {
    void run(async () => {
      await fetchJson(base, { method: "DELETE" });
      router.push("/hosts");
    });
  }

  if (!host) {
    return (
      <div className="space-y-4">
        <BackLink />
        {loadError ? (
          <ErrorBanner
            testId="host-load-error"
            title={loadError.status === 404 ? t("detail.notFound") : t("loadFailed")}
            action={
              loadError.status === 404 ? undefined : (
                <Button size="sm" variant="secondary" onClick={load}>
                  {tc("actions.retry")}
                </Button>
              )
            }
          >
            {loadError.message}
          </ErrorBanner>
        ) : (
          <p className="flex items-center gap-2 text-sm text-slate-600 dark:text-slate-400">
            <Spinner /> {tc("status.loading")}
          </p>
        )}
      </div>
    );
  }

  const mismatch = host.status === "key_mismatch" && host.presentedHostKeySha256 ? host.presentedHostKeySha256 : null;
  // Before its key is pinned a host has nothing else to show: the page says what to do next, once.
  const unpinned = !host.hostKeySha256 && !mismatch;
  const formError = error && !error.issues.length ? error.message : null;

  return (
    <div data-testid="host-detail" data-host-id={host.id} data-host-name={host.name} data-status={host.status}>
      <BackLink />
      <div className="mt-3 mb-6 flex flex-col gap-4 sm:flex-row sm:items-start sm:justify-between">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-3">
            <h1
              className="text-2xl font-semibold tracking-tight [overflow-wrap:anywhere] text-slate-900 dark:text-slate-50"
              data-testid="host-name"
            >
              {host.name}
            </h1>
            <HostStatusBadge status={host.status} message={host.statusMessage} />
            <HostMaintenanceBadge host={host} />
          </div>
          <p className="mt-1 font-mono text-xs text-slate-600 dark:text-slate-400">
            {host.username}@{host.address.includes(":") ? `[${host.address}]` : host.address}:{host.port} ·{" "}
            {host.libvirtUri}
          </p>
          {host.statusMessage && host.status !== "online" && host.status !== "key_mismatch" && !unpinned ? (
            <p
              className="mt-1 text-sm [overflow-wrap:anywhere] text-slate-600 dark:text-slate-400"
              data-testid="host-status-message"
            >
              {host.statusMessage}
            </p>
          ) : null}
        </div>
        {canManage ? (
          <div className="flex shrink-0 flex-wrap gap-2">
            <Button variant="secondary" onClick={() => open("edit")} testId="host-edit">
              {t("detail.edit")}
            </Button>
            <Button
              variant="secondary"
              className="text-red-700 dark:text-red-300"
              onClick={() => open("delete")}
              testId="host-delete"
            >
              {t("detail.delete")}
            </Button>
          </div>
        ) : null}
      </div>

      <div className="space-y-6">
        {mismatch ? (
          <Alert
            tone="error"
            testId="host-key-mismatch"
            title={t("mismatch.title")}
            action={
              canManage ? (
                <Button variant="danger" size="sm" onClick={() => open("accept")} testId="host-accept-key">
                  {t("mismatch.accept")}
                </Button>
              ) : undefined
            }
          >
            {t.rich("mismatch.body", {
              presented: mismatch,
              pinned: host.hostKeySha256 ?? "—",
              code: (chunks) => <code className="font-mono text-xs break-all">{chunks}</code>,
            })}
          </Alert>
        ) : null}
        {error && !panel ? <ErrorBanner testId="host-error">{error.message}</ErrorBanner> : null}
        {unpinned ? (
          <Alert tone="info" testId="host-next-step" title={t("detail.nextStep.title")}>
            {canManageEndpoint ? t("detail.nextStep.test") : t("detail.nextStep.askAdmin")}
          </Alert>
        ) : null}

        <div className={unpinned ? "max-w-3xl" : "grid grid-cols-1 gap-6 xl:grid-cols-2"}>
          <ConnectionCard host={host} canTest={canManageEndpoint} onHost={setHost} />
          {unpinned ? null : <HostInfoCard hostId={host.id} reloadKey={`${host.status}:${host.hostKeySha256 ?? ""}`} />}
        </div>

        {unpinned ? null : <HostReadinessCard hostId={host.id} />}

        {unpinned ? null : <HostMaintenanceCard host={host} canManage={canManage} onChanged={load} />}

        {unpinned ? null : (
          <section className="space-y-3">
            <h2 className="text-lg font-semibold text-slate-900 dark:text-slate-50">{t("detail.vms")}</h2>
            <VmList hostId={host.id} canPower={canPower} />
          </section>
        )}
      </div>

      <FormDialog
        open={panel === "edit"}
        onClose={close}
        title={t("edit.title", { name: host.name })}
        description={t("edit.intro")}
        size="lg"
        testId="host-edit-dialog"
        formId="host-edit-form"
        submitLabel={t("edit.submit")}
        cancelLabel={t("cancel")}
        pending={busy}
        submitTestId="host-edit-submit"
        cancelTestId="host-edit-cancel"
      >
        <form id="host-edit-form" onSubmit={onEdit} noValidate className="space-y-4">
          {formError ? <ErrorBanner testId="host-edit-error">{formError}</ErrorBanner> : null}
          <HostFields prefix="host-edit" host={host} error={error} endpointLocked={!canManageEndpoint} />
        </form>
      </FormDialog>

      <ConfirmDialog
        open={panel === "delete"}
        testId="host-delete-dialog"
        title={t("delete.title", { name: host.name })}
        description={t("delete.body")}
        confirmLabel={t("delete.confirm")}
        pending={busy}
        error={formError}
        onConfirm={onDelete}
        onCancel={close}
      />

      <ConfirmDialog
        open={panel === "accept" && mismatch !== null}
        testId="host-accept-dialog"
        title={t("mismatch.acceptTitle")}
        description={t("mismatch.acceptBody")}
        confirmLabel={t("mismatch.accept")}
        pending={busy}
        error={formError}
        onConfirm={() => mismatch && onAccept(mismatch)}
        onCancel={close}
      >
        <code
          className="block rounded-md bg-slate-100 px-3 py-2 font-mono text-xs break-all dark:bg-slate-950"
          data-testid="host-accept-fingerprint"
        >
          {mismatch}
        </code>
      </ConfirmDialog>
    </div>
  );
}

function BackLink() {
  const t = useTranslations("hosts");
  return (
    <Link
      href="/hosts"
      className={buttonClasses({ variant: "ghost", size: "sm", className: "-ml-3" })}
      data-testid="host-back"
    >
      <span aria-hidden="true">←</span>
      {t("detail.back")}
    </Link>
  );
}

function ConnectionCard({
  host,
  canTest,
  onHost,
}: {
  host: HostView;
  canTest: boolean;
  onHost: (h: HostView) => void;
}) {
  const t = useTranslations("hosts");
  const format = useFormatter();
  return (
    <Card testId="host-connection">
      <CardHeader title={t("detail.connection")} />
      <CardBody className="space-y-4">
        <dl className="grid grid-cols-1 gap-x-8 gap-y-3 text-sm sm:grid-cols-2">
          <Item label={t("fields.domainType")}>{t(`domainTypes.${host.domainType}`)}</Item>
          <Item label={t("columns.lastSeen")}>
            {host.lastSeenAt
              ? format.dateTime(new Date(host.lastSeenAt), { dateStyle: "medium", timeStyle: "medium" })
              : t("never")}
          </Item>
          <Item label={t("detail.pinnedKey")} wide>
            {host.hostKeySha256 ? (
              <code className="font-mono text-xs break-all" data-testid="host-pinned-key">
                {host.hostKeySha256}
              </code>
            ) : (
              <span className="text-slate-500 dark:text-slate-400">{t("detail.notPinned")}</span>
            )}
          </Item>
          <Item label={t("detail.publicKey")} wide>
            <div className="flex items-start gap-2">
              <code className="min-w-0 flex-1 font-mono text-xs break-all" data-testid="host-public-key">
                {host.publicKey}
              </code>
              <CopyButton text={host.publicKey} testId="host-public-key-copy" />
            </div>
          </Item>
        </dl>
        {canTest ? <HostTestPanel host={host} onHost={onHost} /> : null}
      </CardBody>
    </Card>
  );
}

function Item({ label, wide = false, children }: { label: string; wide?: boolean; children: ReactNode }) {
  return (
    <div className={wide ? "min-w-0 sm:col-span-2" : "min-w-0"}>
      <dt className="text-xs font-medium text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="mt-0.5 text-slate-900 dark:text-slate-100">{children}</dd>
    </div>
  );
}
