import "server-only";
import { CommandTimeoutError } from "@/lib/hosts/errors";
import type { HostTransport } from "@/lib/hosts/transport";
import { virshArgv, type VirshArg } from "@/lib/hosts/virsh-command";
import { parseJobInfoRaw, type MigrationJobInfo } from "@/lib/libvirt/migration-jobinfo";
import { openLibvirtRelay } from "./migration-relay";

export interface MigrationOptions {
  /** Running guest: live migration (memory over the relay). Shut-off guest: definition only (--offline). */
  mode: "live" | "offline";
  /** Define the guest on the destination (always for offline). */
  persistent: boolean;
  /** Remove the definition from the source once the destination runs it. */
  undefineSource: boolean;
  autoConverge?: boolean;
  /** Switch to post-copy after the first pre-copy pass. */
  postcopyAfterPrecopy?: boolean;
  /** MiB/s. */
  bandwidthMiB?: number;
}

export type MigrationOutcome = "completed" | "cancelled" | "failed";

export interface MigrationResult {
  outcome: MigrationOutcome;
  /** Where the guest is now, as far as libvirt on both ends tells: never both, never neither. */
  runningOn: "source" | "destination" | "unknown";
  /** virsh's error when not completed. */
  error?: string;
  elapsedMs: number;
  /** Bytes the relay carried to the destination (the memory stream and libvirt's RPC). */
  bytesRelayed: number;
  /** Measured downtime from the destination's completed job statistics (live only). */
  downtimeMs: number | null;
  last: MigrationJobInfo | null;
}

export interface RunMigrationInput {
  source: HostTransport;
  dest: HostTransport;
  /** The source's libvirt URI (a system daemon: qemu:///system). */
  sourceUri: string;
  destUri: string;
  uuid: string;
  options: MigrationOptions;
  signal?: AbortSignal;
  onProgress?: (j: MigrationJobInfo) => void;
  pollMs?: number;
  /** Upper bound of the whole migration. */
  timeoutMs?: number;
}

/** The `virsh migrate` arguments for these options (pure; the relay URI is the destination). */
export function migrateArgs(uuid: string, relayUri: string, o: MigrationOptions): VirshArg[] {
  const args: VirshArg[] = [{ domain: uuid }, { arg: relayUri }, { flag: "--p2p" }];
  if (o.mode === "offline") {
    // Tunnelled offline migration is refused by libvirt ("does not make sense"): nothing but the
    // definition moves, over the same relayed libvirt connection.
    args.push({ flag: "--offline" }, { flag: "--persistent" });
  } else {
    args.push({ flag: "--live" }, { flag: "--tunnelled" });
    if (o.persistent) args.push({ flag: "--persistent" });
    if (o.autoConverge) args.push({ flag: "--auto-converge" });
    if (o.postcopyAfterPrecopy) args.push({ flag: "--postcopy" }, { flag: "--postcopy-after-precopy" });
    if (o.bandwidthMiB) args.push({ option: "--bandwidth", value: String(Math.floor(o.bandwidthMiB)) });
  }
  if (o.undefineSource) args.push({ flag: "--undefinesource" });
  return args;
}

async function domState(t: HostTransport, uri: string, uuid: string): Promise<string | null> {
  if (t.closed) return null;
  const r = await t
    .run(virshArgv({ uri, command: "domstate", args: [{ domain: uuid }] }), { timeoutMs: 20_000 })
    .catch(() => null);
  if (!r || r.code !== 0) return r && /failed to get domain|Domain not found/i.test(r.stderr) ? "absent" : null;
  return r.stdout.trim();
}

/** Polls the source's `domjobinfo` until stopped; reports every job that exists. */
function jobPoller(i: RunMigrationInput, onJob: (j: MigrationJobInfo) => void): () => void {
  const argv = virshArgv({
    uri: i.sourceUri,
    command: "domjobinfo",
    args: [{ domain: i.uuid }, { flag: "--rawstats" }],
  });
  let polling = false;
  const timer = setInterval(() => {
    if (polling || i.source.closed) return;
    polling = true;
    i.source
      .run(argv, { timeoutMs: 10_000 })
      .then((r) => {
        if (r.code !== 0) return;
        const j = parseJobInfoRaw(r.stdout);
        if (j.jobType !== 0) onJob(j);
      })
      .catch(() => {})
      .finally(() => (polling = false));
  }, i.pollMs ?? 500);
  return () => clearInterval(timer);
}

/** The destination's statistics of the finished incoming job (read once: libvirt drops them after). */
async function completedJob(i: RunMigrationInput): Promise<MigrationJobInfo | null> {
  const argv = virshArgv({
    uri: i.destUri,
    command: "domjobinfo",
    args: [{ domain: i.uuid }, { flag: "--completed" }, { flag: "--rawstats" }],
  });
  const r = await i.dest.run(argv, { timeoutMs: 15_000 }).catch(() => null);
  if (r?.code !== 0) return null;
  const j = parseJobInfoRaw(r.stdout);
  return j.jobType === 0 ? null : j;
}

/** Where the guest is after a migration that did not complete, as both libvirts tell. */
async function whereNow(i: RunMigrationInput): Promise<MigrationResult["runningOn"]> {
  if (i.options.mode === "offline") return "source";
  const [src, dst] = await Promise.all([domState(i.source, i.sourceUri, i.uuid), domState(i.dest, i.destUri, i.uuid)]);
  return src === "running" || src === "paused" ? "source" : dst === "running" ? "destination" : "unknown";
}

/**
 * Runs `virsh migrate --p2p` on the source host towards the destination's libvirt through an SSH relay
 * (relay.ts), polling `domjobinfo` for progress; an abort signal sends `domjobabort`, which leaves the
 * guest running on the source. Resolves (never throws for a refused migration) with where the guest is.
 */
export async function runMigration(i: RunMigrationInput): Promise<MigrationResult> {
  const started = Date.now();
  if (i.signal?.aborted) {
    return { outcome: "cancelled", runningOn: "source", elapsedMs: 0, bytesRelayed: 0, downtimeMs: null, last: null };
  }
  const relay = await openLibvirtRelay({ source: i.source, dest: i.dest });
  let last: MigrationJobInfo | null = null;
  let stopPolling = () => {};
  let aborted = false;
  const abort = () => {
    if (aborted) return;
    aborted = true;
    void i.source
      .run(virshArgv({ uri: i.sourceUri, command: "domjobabort", args: [{ domain: i.uuid }] }), { timeoutMs: 30_000 })
      .catch(() => {});
  };
  try {
    i.signal?.addEventListener("abort", abort, { once: true });
    if (i.options.mode === "live")
      stopPolling = jobPoller(i, (j) => {
        last = j;
        i.onProgress?.(j);
      });
    const argv = virshArgv({
      uri: i.sourceUri,
      command: "migrate",
      args: migrateArgs(i.uuid, relay.destUri, i.options),
    });
    let error: string | undefined;
    try {
      const r = await i.source.run(argv, { timeoutMs: i.timeoutMs ?? 6 * 3600_000 });
      if (r.code !== 0) error = r.stderr.replace(/^error:\s*/gm, "").trim() || `virsh migrate exited ${r.code}`;
    } catch (err) {
      if (err instanceof CommandTimeoutError) abort();
      error = err instanceof Error ? err.message : String(err);
    }
    stopPolling();
    const elapsedMs = Date.now() - started;
    const bytesRelayed = relay.bytes().toDestination;
    if (!error) {
      const done = i.options.mode === "live" ? await completedJob(i) : null;
      if (done) last = done;
      const downtimeMs = done?.downtimeMs ?? null;
      return { outcome: "completed", runningOn: "destination", elapsedMs, bytesRelayed, downtimeMs, last };
    }
    const runningOn = await whereNow(i);
    const outcome = aborted && runningOn !== "destination" ? "cancelled" : "failed";
    return { outcome, runningOn, error, elapsedMs, bytesRelayed, downtimeMs: null, last };
  } finally {
    stopPolling();
    i.signal?.removeEventListener("abort", abort);
    await relay.close();
  }
}
