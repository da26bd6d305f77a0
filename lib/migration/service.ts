import "server-only";
import { z } from "zod";
import { XMLSerializer } from "@xmldom/xmldom";
import type { Caller } from "@/lib/authz/caller";
import { auditRecord } from "@/lib/audit/audit";
import { AppError, isAppError } from "@/lib/http/errors";
import { fleet } from "@/lib/fleet/runtime";
import { hostGet } from "@/lib/fleet/hosts";
import { provHost, type ProvHost } from "@/lib/provisioning/host-access";
import { uuidOf } from "@/lib/provisioning/vm-clone";
import { taskEnqueue } from "@/lib/tasks/tasks";
import { taskHandlerRegister } from "@/lib/tasks/registry";
import { domainStateText, domainXmlGet } from "@/lib/virt/domain";
import { parseCapabilities } from "@/lib/libvirt/capabilities-parse";
import { parseDomainXml } from "@/lib/libvirt/domain-xml-parse";
import { availableKiB, parseNodeMemStats } from "@/lib/libvirt/nodememstats-parse";
import { virshNames, virshUuids } from "@/lib/libvirt/names-parse";
import { child, parseXmlRoot, path as xpath, text } from "@/lib/libvirt/xml";
import type { VmMigrateInput } from "@/lib/contracts/migration";
import { jobPercent } from "@/lib/libvirt/migration-jobinfo";
import { preflightEvaluate, type PreflightFacts, type PreflightReport } from "./preflight";
import { runMigration } from "@/lib/virt/migration";
import { msg } from "@/lib/tasks/task-text";
import { migrationProgressText } from "./progress-text";

export const TASK_KIND_MIGRATE = "vm.migrate";

/** 422 naming destHostId: the destination is the source or not a host the caller may use. */
function destInvalid(message: string): AppError {
  return new AppError("invalid_input", message, { issues: [{ path: "destHostId", message }] });
}

export async function destHostGet(sourceHostId: string, destHostId: string, opts: { toMaintenance?: boolean } = {}) {
  if (destHostId === sourceHostId) throw destInvalid("The destination is the host the VM runs on");
  let dest;
  try {
    dest = await hostGet(destHostId);
  } catch (err) {
    if (isAppError(err) && err.code === "not_found") throw destInvalid("Unknown host");
    throw err;
  }
  // Maintenance means "nothing new lands here", migrations included.
  if (dest.maintenanceSince && !opts.toMaintenance)
    throw destInvalid(`${dest.name} is in maintenance: it takes no VMs`);
  return dest;
}

/** Reads what the checks need from both hosts. */
async function preflightFacts(src: ProvHost, dest: ProvHost | null, destErr: string | undefined, uuid: string) {
  const [state, xml, srcCaps] = await Promise.all([
    domainStateText({ host: src, uuid }),
    domainXmlGet({ host: src, uuid }),
    src.virsh({ command: "capabilities" }).then(([c]) => parseCapabilities(c)),
  ]);
  if (state === null) throw new AppError("not_found", "VM not found");
  const domain = parseDomainXml(xml);
  const root = parseXmlRoot(xml, "domain");
  const emulator = text(xpath(root, "devices", "emulator"))?.trim();
  const facts: PreflightFacts = {
    sourceHost: { id: src.host.id, name: src.host.name, hostUuid: srcCaps.hostUuid },
    destHost: { id: dest?.host.id ?? "", name: dest?.host.name ?? "", hostUuid: undefined },
    destCaps: null,
    reachableError: destErr,
    domain,
    emulator,
    state,
    paths: [],
    destNetworks: [],
    destBridges: [],
    destNames: [],
    destUuids: [],
  };
  if (!dest) return facts;
  try {
    const [caps, mem, names, uuids, nets] = await dest.virsh(
      { command: "capabilities" },
      { command: "nodememstats" },
      { command: "list", args: [{ flag: "--all" }, { flag: "--name" }] },
      { command: "list", args: [{ flag: "--all" }, { flag: "--uuid" }] },
      { command: "net-list", args: [{ flag: "--all" }, { flag: "--name" }] },
    );
    facts.destCaps = parseCapabilities(caps);
    facts.destHost.hostUuid = facts.destCaps.hostUuid;
    facts.destAvailableKiB = availableKiB(parseNodeMemStats(mem));
    facts.destNames = virshNames(names);
    facts.destUuids = virshUuids(uuids);
    facts.destNetworks = virshNames(nets);
  } catch (err) {
    facts.reachableError = err instanceof Error ? err.message : String(err);
    return facts;
  }
  const ifaces = await dest.exec(["ls", "-1", "/sys/class/net"]);
  facts.destBridges = ifaces.code === 0 ? ifaces.stdout.split("\n").filter(Boolean) : [];
  const needed: { path: string; what: string }[] = [];
  for (const d of domain.disks) {
    const p = d.source?.file ?? d.source?.dev;
    if (p) needed.push({ path: p, what: `disk ${d.target.dev}` });
  }
  const os = child(root, "os");
  for (const what of ["kernel", "initrd", "loader"] as const) {
    const p = text(child(os, what))?.trim();
    if (p) needed.push({ path: p, what });
  }
  if (needed.length) {
    // stat prints the paths that exist (one per line); missing ones only go to stderr.
    const r = await dest.exec(["stat", "--printf=%n\\n", "--", ...needed.map((n) => n.path)]);
    const present = new Set(r.stdout.split("\n"));
    facts.paths = needed.map((n) => ({ ...n, exists: present.has(n.path) }));
  }
  const cpu = child(root, "cpu");
  const cpuMode = cpu?.getAttribute("mode") ?? "";
  if (
    domain.type !== "qemu" &&
    cpu &&
    (child(cpu, "model") || cpuMode === "host-model" || cpuMode === "host-passthrough")
  ) {
    // The running guest's CPU as libvirt expanded it (host-model becomes a concrete model).
    const cpuXml = new XMLSerializer().serializeToString(cpu);
    const r = await dest.virshExecTry(
      {
        command: "hypervisor-cpu-compare",
        args: [{ arg: "/dev/stdin" }, { option: "--virttype", value: domain.type }],
      },
      { stdin: cpuXml },
    );
    const out = (r.stdout + r.stderr).trim();
    facts.cpuCompare = { ok: r.ok && !/incompatible/i.test(out), text: out.replace(/^error:\s*/gm, "") };
  }
  return facts;
}

async function destClient(destHostId: string): Promise<{ dest: ProvHost | null; err?: string }> {
  try {
    return { dest: await provHost(destHostId) };
  } catch (err) {
    return { dest: null, err: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * The pre-flight report: read-only, nothing moves. `toMaintenance`: the destination may be in
 * maintenance (a host's own VMs returning to it after an evacuation).
 */
export async function migrationPreflight(
  hostId: string,
  rawUuid: string,
  destHostId: string,
  opts: { toMaintenance?: boolean } = {},
): Promise<PreflightReport> {
  const uuid = uuidOf(rawUuid);
  await destHostGet(hostId, destHostId, opts);
  const src = await provHost(hostId);
  const { dest, err } = await destClient(destHostId);
  return preflightEvaluate(await preflightFacts(src, dest, err, uuid));
}

const TaskInputSchema = z.object({
  sourceHostId: z.string(),
  destHostId: z.string(),
  uuid: z.string(),
  name: z.string(),
  mode: z.enum(["live", "offline"]),
  options: z.object({
    persistent: z.boolean(),
    undefineSource: z.boolean(),
    autoConverge: z.boolean(),
    postcopyAfterPrecopy: z.boolean(),
    bandwidthMiB: z.number().optional(),
  }),
  actor: z.unknown(),
  ip: z.string().nullable().optional(),
});

/** Checks, then queues the migration as a cancellable task: 202 with its id. */
export async function vmMigrate(
  caller: Caller,
  hostId: string,
  rawUuid: string,
  input: VmMigrateInput,
): Promise<{ taskId: string }> {
  const uuid = uuidOf(rawUuid);
  const destHost = await destHostGet(hostId, input.destHostId);
  const src = await provHost(hostId);
  const { dest, err } = await destClient(input.destHostId);
  const facts = await preflightFacts(src, dest, err, uuid);
  const report = preflightEvaluate(facts);
  const audit = (outcome: "success" | "failure", details: Record<string, unknown>) =>
    auditRecord({
      actor: caller.actor,
      action: "vm.migrate",
      outcome,
      target: { type: "vm", id: `${hostId}/${uuid}`, name: facts.domain.name },
      ip: caller.ip,
      details: { source: src.host.name, destination: destHost.name, ...details },
    });
  if (!report.ok) {
    const failed = report.checks.filter((c) => c.status === "fail");
    await audit("failure", { reason: "preflight", checks: failed.map((c) => c.id) });
    throw new AppError("invalid_state", `Pre-flight checks failed: ${failed.map((c) => c.reason).join("; ")}`, {
      data: { report },
    });
  }
  const task = await taskEnqueue(caller, {
    kind: TASK_KIND_MIGRATE,
    title: `Migrate ${facts.domain.name} from ${src.host.name} to ${destHost.name} (${report.mode})`,
    titleMessage: {
      key: "titles.vmMigrate",
      params: { name: facts.domain.name, source: src.host.name, destination: destHost.name, mode: report.mode },
    },
    hostId,
    vmUuid: uuid,
    input: {
      sourceHostId: hostId,
      destHostId: input.destHostId,
      uuid,
      name: facts.domain.name,
      mode: report.mode,
      options: {
        persistent: input.persistent,
        undefineSource: input.undefineSource,
        autoConverge: input.autoConverge,
        postcopyAfterPrecopy: input.postcopyAfterPrecopy,
        bandwidthMiB: input.bandwidthMiB,
      },
      actor: caller.actor,
      ip: caller.ip ?? null,
    },
  });
  await audit("success", { taskId: task.id, mode: report.mode });
  return { taskId: task.id };
}

export type MigrationTaskInput = z.infer<typeof TaskInputSchema>;

/** What a migration run reports back to the task it runs in (a vm.migrate task, or one VM of an evacuation). */
export interface MigrationRunContext {
  taskId: string;
  signal: AbortSignal;
  log(line: ReturnType<typeof msg> | string): Promise<void>;
  progress(percent: number, message?: ReturnType<typeof msg> | string): void;
}

/**
 * Moves one VM over the relay and audits the outcome (vm.migrate.finish): the one code path of a
 * migration, run by the vm.migrate task and by each VM of a host evacuation. Throws when it did not
 * complete, saying where the guest is.
 */
export async function migrationRun(ctx: MigrationRunContext, i: MigrationTaskInput): Promise<Record<string, unknown>> {
  const [srcHost, destHost] = await Promise.all([hostGet(i.sourceHostId), hostGet(i.destHostId)]);
  const f = fleet();
  const [source, dest] = await Promise.all([f.pool.get(i.sourceHostId), f.pool.get(i.destHostId)]);
  await ctx.log(msg("lines.migrateRelay", { source: srcHost.name, destination: destHost.name }));
  const result = await runMigration({
    source,
    dest,
    sourceUri: srcHost.libvirtUri,
    destUri: destHost.libvirtUri,
    uuid: i.uuid,
    options: { mode: i.mode, ...i.options },
    signal: ctx.signal,
    onProgress: (j) => ctx.progress(jobPercent(j) ?? 0, migrationProgressText(j)),
  });
  const details = {
    source: srcHost.name,
    destination: destHost.name,
    mode: i.mode,
    outcome: result.outcome,
    runningOn: result.runningOn,
    bytes: result.bytesRelayed,
    downtimeMs: result.downtimeMs,
    elapsedMs: result.elapsedMs,
    taskId: ctx.taskId,
    ...(result.error ? { error: result.error.slice(0, 500) } : {}),
  };
  await auditRecord({
    actor: i.actor as Parameters<typeof auditRecord>[0]["actor"],
    action: "vm.migrate.finish",
    outcome: result.outcome === "completed" ? "success" : "failure",
    target: { type: "vm", id: `${i.sourceHostId}/${i.uuid}`, name: i.name },
    ip: i.ip ?? undefined,
    details,
  });
  const where =
    result.runningOn === "source"
      ? srcHost.name
      : result.runningOn === "destination"
        ? destHost.name
        : "an unknown host";
  if (result.outcome === "cancelled")
    throw new AppError("invalid_state", `Cancelled: ${i.name} keeps running on ${where}`);
  if (result.outcome === "failed")
    throw new AppError("action_failed", `Migration failed (${i.name} is on ${where}): ${result.error ?? ""}`);
  return details;
}

taskHandlerRegister(
  TASK_KIND_MIGRATE,
  async (ctx) => {
    const i = TaskInputSchema.parse(ctx.input);
    const details = await migrationRun(
      { taskId: ctx.taskId, signal: ctx.signal, log: ctx.log, progress: (pct, m) => void ctx.progress(pct, m) },
      i,
    );
    await ctx.progress(100, msg("steps.migrateDone", { name: i.name, host: String(details.destination) }));
    return details;
  },
  { cancellable: true },
);
