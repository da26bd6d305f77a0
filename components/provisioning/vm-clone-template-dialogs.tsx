"use client";

import { useEffect, useState } from "react";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { ErrorBanner } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog, Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { TaskWatch } from "@/components/provisioning/task-watch";

export function CloneDialog({
  open,
  path,
  template,
  name,
  onClose,
}: {
  open: boolean;
  path: string;
  template: boolean;
  name: string;
  onClose: () => void;
}) {
  const t = useTranslations("provisioning");
  const tc = useTranslations("common");
  const [v, setV] = useState({ name: "", mode: "full" as "full" | "linked", start: false });
  const { busy, error, setError, call } = useApiCall();
  const [taskId, setTaskId] = useState<string | null>(null);
  useEffect(() => {
    if (open) {
      setV({
        name: `${name}-clone`.replace(/[^A-Za-z0-9_.-]/g, "-"),
        mode: template ? "linked" : "full",
        start: false,
      });
      setTaskId(null);
      setError(null);
    }
  }, [open, name, template, setError]);
  async function submit() {
    await call(async () => {
      setTaskId((await fetchJson<{ taskId: string }>(`${path}/clone`, { body: v })).taskId);
    });
  }
  return (
    <Dialog
      open={open}
      onClose={() => (busy ? undefined : onClose())}
      testId="vm-clone-dialog"
      title={t("clone.title", { name })}
      footer={
        taskId ? (
          <Button variant="secondary" onClick={onClose} testId="vm-clone-close">
            {tc("actions.close")}
          </Button>
        ) : (
          <>
            <Button variant="secondary" onClick={onClose} disabled={busy}>
              {tc("actions.cancel")}
            </Button>
            <Button onClick={() => void submit()} loading={busy} testId="vm-clone-submit">
              {t("clone.submit")}
            </Button>
          </>
        )
      }
    >
      {taskId ? (
        <TaskWatch taskId={taskId} testId="vm-clone-task" />
      ) : (
        <div className="space-y-3">
          {error ? <ErrorBanner testId="vm-clone-error">{error.message}</ErrorBanner> : null}
          <Field label={t("create.name")} error={error?.fieldMessage("name")} hint={t("create.nameHint")}>
            {(p) => (
              <Input
                {...p}
                value={v.name}
                onChange={(e) => setV({ ...v, name: e.target.value })}
                data-autofocus
                testId="vm-clone-name"
              />
            )}
          </Field>
          <fieldset className="space-y-1">
            {(["full", "linked"] as const).map((m) => (
              <label key={m} className="flex items-start gap-2 text-sm">
                <input
                  type="radio"
                  checked={v.mode === m}
                  disabled={m === "linked" && !template}
                  onChange={() => setV({ ...v, mode: m })}
                  data-testid={`vm-clone-mode-${m}`}
                  className="mt-1"
                />
                <span>
                  {t(`create.clone.${m}`)}
                  {m === "linked" && !template ? (
                    <Badge className="ml-2">{t("clone.linkedNeedsTemplate")}</Badge>
                  ) : null}
                </span>
              </label>
            ))}
          </fieldset>
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              checked={v.start}
              onChange={(e) => setV({ ...v, start: e.target.checked })}
              data-testid="vm-clone-start"
            />
            {t("create.start")}
          </label>
        </div>
      )}
    </Dialog>
  );
}

export function ToTemplateDialog({
  open,
  path,
  name,
  onClose,
  onDone,
}: {
  open: boolean;
  path: string;
  name: string;
  onClose: () => void;
  onDone: () => void;
}) {
  const t = useTranslations("provisioning");
  const [templateName, setTemplateName] = useState(name);
  const { busy, error, setError, call } = useApiCall();
  useEffect(() => {
    if (open) {
      setTemplateName(name);
      setError(null);
    }
  }, [open, name, setError]);
  return (
    <ConfirmDialog
      open={open}
      tone="primary"
      testId="vm-to-template-dialog"
      title={t("toTemplate.title", { name })}
      description={t("toTemplate.body")}
      confirmLabel={t("toTemplate.submit")}
      pending={busy}
      error={error?.message ?? null}
      onCancel={onClose}
      onConfirm={async () => {
        if (await call(() => fetchJson(`${path}/to-template`, { body: { templateName, description: "" } }))) {
          onDone();
          onClose();
        }
      }}
    >
      <Field label={t("toTemplate.name")}>
        {(p) => (
          <Input
            {...p}
            value={templateName}
            onChange={(e) => setTemplateName(e.target.value)}
            testId="vm-to-template-name"
          />
        )}
      </Field>
    </ConfirmDialog>
  );
}

/** Back to an ordinary VM: the server refuses (and names them) while linked clones read its disks. */
export function UnmarkTemplateDialog({
  open,
  path,
  name,
  onClose,
  onDone,
}: {
  open: boolean;
  path: string;
  name: string;
  onClose: () => void;
  onDone: () => void;
}) {
  const t = useTranslations("provisioning");
  const { busy, error, setError, call } = useApiCall();
  useEffect(() => {
    if (open) setError(null);
  }, [open, setError]);
  return (
    <ConfirmDialog
      open={open}
      testId="vm-unmark-template-dialog"
      title={t("unmarkTemplate.title", { name })}
      description={t("unmarkTemplate.body")}
      confirmLabel={t("unmarkTemplate.submit")}
      pending={busy}
      error={error?.message ?? null}
      onCancel={onClose}
      onConfirm={async () => {
        if (await call(() => fetchJson(`${path}/unmark-template`, { method: "POST" }))) {
          onDone();
          onClose();
        }
      }}
    />
  );
}
