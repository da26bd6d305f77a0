"use client";

import { useState } from "react";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { useTask } from "@/components/data/use-tasks";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Select } from "@/components/ui/input";
import { useVmFormat } from "@/components/vms/use-vm-format";
import { TaskWatch } from "./task-watch";

/**
 * Shown by the create wizard when the chosen host lacks the template's base image (the create API's
 * `baseImageMissing` answer): offers to copy it there first (a task, streamed host to host through
 * virtdeck and checksum verified), asks for the destination pool with the size to move, follows the
 * task, and hands back once the copy is recorded so the user can create the VM.
 */
export function BaseImageCopyOffer({
  templateId,
  hostId,
  hostName,
  bytes,
  pools,
  onCopied,
}: {
  templateId: string;
  hostId: string;
  hostName: string;
  bytes: number | null;
  /** The destination host's active pools. */
  pools: string[];
  onCopied: () => void;
}) {
  const t = useTranslations("provisioning");
  const { size } = useVmFormat();
  const [confirming, setConfirming] = useState(false);
  const [pool, setPool] = useState(pools[0] ?? "");
  const [taskId, setTaskId] = useState<string | null>(null);
  const start = useApiCall();
  const { task } = useTask(taskId);

  function copy() {
    return start.call(async () => {
      const r = await fetchJson<{ taskId: string }>(`/api/templates/${encodeURIComponent(templateId)}/copies`, {
        body: { hostId, pool },
      });
      setConfirming(false);
      setTaskId(r.taskId);
    });
  }

  const done = taskId && task?.status === "succeeded";
  const ended = taskId && task && (task.status === "failed" || task.status === "cancelled");
  return (
    <div className="space-y-3" data-testid="base-image-copy">
      <Alert
        tone={done ? "success" : "warning"}
        title={
          done ? t("create.copy.doneTitle", { host: hostName }) : t("create.copy.missingTitle", { host: hostName })
        }
        testId="base-image-copy-alert"
      >
        <p>
          {done ? t("create.copy.doneBody") : pools.length ? t("create.copy.missingBody") : t("create.copy.noPool")}
        </p>
        {/* Below the text, not beside it: a long host name wraps on a phone instead of squeezing the message. */}
        <div className="mt-2">
          {done ? (
            <Button size="sm" onClick={onCopied} testId="base-image-copy-continue">
              {t("create.copy.continue")}
            </Button>
          ) : !taskId || ended ? (
            <Button
              size="sm"
              variant="secondary"
              onClick={() => setConfirming(true)}
              disabled={!pools.length}
              testId="base-image-copy-start"
              className="h-auto! max-w-full py-1.5 text-left whitespace-normal! [overflow-wrap:anywhere]"
            >
              {t("create.copy.start", { host: hostName })}
            </Button>
          ) : null}
        </div>
      </Alert>
      {taskId ? <TaskWatch taskId={taskId} testId="base-image-copy-task" cancellable /> : null}
      <ConfirmDialog
        open={confirming}
        tone="primary"
        title={t("create.copy.confirmTitle", { host: hostName })}
        description={
          bytes !== null ? t("create.copy.confirmSize", { size: size(bytes) }) : t("create.copy.confirmSizeUnknown")
        }
        confirmLabel={t("create.copy.confirm")}
        pending={start.busy}
        error={start.error?.fieldMessage("pool") ?? start.error?.message}
        onConfirm={() => void copy()}
        onCancel={() => setConfirming(false)}
        testId="base-image-copy-confirm"
      >
        <Field label={t("create.copy.pool")} required>
          {(p) => (
            <Select {...p} value={pool} onChange={(e) => setPool(e.target.value)} testId="base-image-copy-pool">
              {pools.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </Select>
          )}
        </Field>
      </ConfirmDialog>
    </div>
  );
}
