import "server-only";
import type { HostClient } from "@/lib/hosts/client";
import { AppError } from "@/lib/http/errors";

/** Small helpers of the backup steps. */
/** Bytes as MiB with one decimal, the number a task message formats in the reader's locale. */
export const mib = (b: number) => Math.round(b / 104857.6) / 10;
/** Seconds with one decimal. */
export const secs1 = (s: number) => Math.round(s * 10) / 10;

/** Runs argv on a host; throws naming the host and what failed unless it exits 0. Returns stdout. */
export async function hostRun(
  h: HostClient,
  argv: readonly string[],
  what: string,
  timeoutMs = 120_000,
  stdin?: string,
) {
  const r = await h.exec(argv, timeoutMs, stdin === undefined ? {} : { stdin });
  if (r.code !== 0)
    throw new AppError("action_failed", `${h.host.name}: ${what} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  return r.stdout;
}
