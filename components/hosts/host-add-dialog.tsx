"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { ErrorBanner } from "@/components/ui/alert";
import { Button, buttonClasses } from "@/components/ui/button";
import { cn, focusRing } from "@/components/ui/cn";
import { Dialog, FormDialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Textarea } from "@/components/ui/input";
import { CopyButton } from "@/components/vms/copy-button";
import { HostFields, hostFieldsRead } from "@/components/hosts/host-fields";
import { HostReadinessCard } from "@/components/onboarding/host-readiness-card";
import { HostTestPanel } from "@/components/hosts/host-test-panel";
import { hostHref, type HostView } from "@/components/hosts/types";

/**
 * Adding a host, in two steps in one dialog: the connection form, then the
 * public key to install, the connection test and pinning the host key.
 */
export function HostAddDialog({
  open,
  onClose,
  onHost,
}: {
  open: boolean;
  onClose: () => void;
  onHost: (host: HostView) => void;
}) {
  const t = useTranslations("hosts");
  const [created, setCreated] = useState<HostView | null>(null);
  const [keyKind, setKeyKind] = useState<"generate" | "paste">("generate");
  const { busy, error, setError, call } = useApiCall();

  function close() {
    if (busy) return;
    setCreated(null);
    setError(null);
    setKeyKind("generate");
    onClose();
  }

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const key =
      keyKind === "paste"
        ? { kind: "paste" as const, privateKey: String(form.get("privateKey") ?? "") }
        : { kind: "generate" as const };
    await call(async () => {
      const r = await fetchJson<{ host: HostView }>("/api/hosts", {
        body: { ...hostFieldsRead(form), key },
      });
      setCreated(r.host);
      onHost(r.host);
    });
  }

  const update = (host: HostView) => {
    setCreated(host);
    onHost(host);
  };

  if (created) {
    return (
      <Dialog
        open={open}
        onClose={close}
        size="lg"
        testId="host-add-dialog"
        title={t("addDialog.connectTitle", { name: created.name })}
        description={t("addDialog.connectIntro")}
        footer={
          <>
            <Link
              href={hostHref(created.id)}
              className={buttonClasses({ variant: "secondary" })}
              data-testid="host-add-open-page"
            >
              {t("addDialog.openHost")}
            </Link>
            <Button onClick={close} testId="host-add-done">
              {t("addDialog.done")}
            </Button>
          </>
        }
      >
        <div className="space-y-5" data-testid="host-add-created" data-host-id={created.id}>
          <section className="space-y-2">
            <h3 className="text-sm font-semibold">{t("addDialog.step1")}</h3>
            <p className="text-sm text-slate-700 dark:text-slate-300">
              {t.rich("addDialog.authorizedKeys", {
                user: created.username,
                address: created.address,
                path: (chunks) => <code className="font-mono text-xs">{chunks}</code>,
                b: (chunks) => <strong className="font-semibold">{chunks}</strong>,
              })}
            </p>
            <div className="flex items-start gap-2">
              <pre
                data-testid="host-public-key"
                className="min-w-0 flex-1 overflow-x-auto rounded-md bg-slate-100 px-3 py-2 font-mono text-xs break-all whitespace-pre-wrap text-slate-900 ring-1 ring-slate-200 dark:bg-slate-950 dark:text-slate-100 dark:ring-slate-800"
              >
                {created.publicKey}
              </pre>
              <CopyButton text={created.publicKey} testId="host-public-key-copy" />
            </div>
          </section>
          <section className="space-y-2">
            <h3 className="text-sm font-semibold">{t("addDialog.step2")}</h3>
            <HostTestPanel host={created} onHost={update} autoFocus />
          </section>
          {created.hostKeySha256 && created.status === "online" ? <HostReadinessCard hostId={created.id} /> : null}
        </div>
      </Dialog>
    );
  }

  const formError = error && !error.issues.length ? error.message : null;
  const keyIssue = error?.fieldMessage("key.privateKey") ?? error?.fieldMessage("key");
  return (
    <FormDialog
      open={open}
      onClose={close}
      size="lg"
      testId="host-add-dialog"
      title={t("addDialog.title")}
      description={t("addDialog.intro")}
      formId="host-add-form"
      submitLabel={t("addDialog.submit")}
      cancelLabel={t("cancel")}
      pending={busy}
      submitTestId="host-add-submit"
      cancelTestId="host-add-cancel"
    >
      <form id="host-add-form" onSubmit={(e) => void onSubmit(e)} className="space-y-5" noValidate>
        {formError ? <ErrorBanner testId="host-add-error">{formError}</ErrorBanner> : null}
        {error?.issues.length ? <ErrorBanner testId="host-add-error">{t("addDialog.fixFields")}</ErrorBanner> : null}
        <HostFields prefix="host-add" error={error} />
        <fieldset className="space-y-2">
          <legend className="mb-2 text-sm font-medium text-slate-900 dark:text-slate-100">{t("key.legend")}</legend>
          <KeyChoice
            checked={keyKind === "generate"}
            onChange={() => setKeyKind("generate")}
            testId="host-add-key-generate"
            label={t("key.generate")}
            hint={t("key.generateHint")}
          />
          <KeyChoice
            checked={keyKind === "paste"}
            onChange={() => setKeyKind("paste")}
            testId="host-add-key-paste"
            label={t("key.paste")}
            hint={t("key.pasteHint")}
          />
          {keyKind === "paste" ? (
            <Field
              label={t("key.privateKey")}
              hint={t("key.privateKeyHint")}
              error={keyIssue}
              required
              className="pt-2"
            >
              {(p) => (
                <Textarea
                  {...p}
                  name="privateKey"
                  rows={6}
                  spellCheck={false}
                  autoComplete="off"
                  className="font-mono text-xs"
                  placeholder="-----BEGIN OPENSSH PRIVATE KEY-----"
                  testId="host-add-privatekey"
                />
              )}
            </Field>
          ) : null}
        </fieldset>
      </form>
    </FormDialog>
  );
}

function KeyChoice({
  checked,
  onChange,
  testId,
  label,
  hint,
}: {
  checked: boolean;
  onChange: () => void;
  testId: string;
  label: string;
  hint: string;
}) {
  return (
    <label
      className={cn(
        "flex cursor-pointer items-start gap-3 rounded-lg p-3 ring-1 ring-inset",
        checked
          ? "bg-indigo-50 ring-indigo-300 dark:bg-indigo-500/10 dark:ring-indigo-400/40"
          : "ring-slate-200 hover:bg-slate-50 dark:ring-slate-700 dark:hover:bg-slate-800/60",
      )}
    >
      <input
        type="radio"
        name="keyKind"
        checked={checked}
        onChange={onChange}
        data-testid={testId}
        className={cn("mt-0.5 size-4 accent-indigo-600", focusRing)}
      />
      <span>
        <span className="block text-sm font-medium text-slate-900 dark:text-slate-100">{label}</span>
        <span className="block text-xs text-slate-600 dark:text-slate-400">{hint}</span>
      </span>
    </label>
  );
}
