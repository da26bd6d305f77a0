import "server-only";
import type { HostClient } from "@/lib/hosts/client";
import { AppError } from "@/lib/http/errors";
import type { DomJobInfo } from "@/lib/libvirt/domjobinfo-parse";
import { TaskCancelledError, type TaskContext } from "@/lib/tasks/registry";
import { backupJobAbort, backupJobCompleted, backupJobInfo } from "@/lib/virt/backup";
import { mib } from "./steps-common";
import { msg } from "@/lib/tasks/task-text";

const POLL_MS = 500;

/** Runs libvirt's backup job and follows it until it ends; aborts it on cancel. */
export async function backupJobFollow(
  ctx: TaskContext,
  src: HostClient,
  uuid: string,
  started: number,
): Promise<DomJobInfo | null> {
  let aborted = false;
  let last: DomJobInfo | null = null;
  for (;;) {
    if (ctx.signal.aborted && !aborted) {
      aborted = true;
      await ctx.log(msg("lines.backupCancelling"));
      await backupJobAbort({ host: src, uuid });
    }
    const info = await backupJobInfo({ host: src, uuid });
    if (info.type === "none" || info.type === "completed" || info.type === "failed" || info.type === "cancelled") break;
    last = info;
    if (info.totalBytes) {
      const secs = (Date.now() - started) / 1000;
      const done = info.processedBytes ?? 0;
      await ctx.progress(
        5 + (85 * done) / info.totalBytes,
        msg("steps.backupCopied", {
          done: mib(done),
          total: mib(info.totalBytes),
          rate: mib(done / Math.max(secs, 0.001)),
        }),
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const completed = await backupJobCompleted({ host: src, uuid });
  if (aborted || ctx.signal.aborted)
    throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new TaskCancelledError();
  // "none": libvirt kept no statistics of the finished job; the images are checked (stat, sha256) next.
  if (completed && completed.type !== "completed" && completed.type !== "none")
    throw new AppError(
      "action_failed",
      `${src.host.name}: the backup job ${completed.type}${completed.error ? `: ${completed.error}` : ""}`,
    );
  return completed ?? last;
}
