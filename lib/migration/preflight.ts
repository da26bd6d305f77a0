import type { CapabilitiesWire } from "@/lib/libvirt/capabilities-parse";
import type { DomainWire } from "@/lib/libvirt/domain-xml-parse";

/**
 * The pre-flight report of a migration: pure checks over facts read from both hosts (service.ts
 * gathers them). Each check passes, fails (the migration is refused) or is skipped, with a reason.
 */
export type CheckId =
  "destination" | "reachable" | "state" | "emulator" | "machine" | "cpu" | "disks" | "networks" | "memory" | "clash";

export interface PreflightCheck {
  id: CheckId;
  status: "pass" | "fail" | "skip";
  /** English; the UI shows it as is (it names hosts, paths and networks). */
  reason: string;
}

export interface PreflightFacts {
  sourceHost: { id: string; name: string; hostUuid?: string };
  destHost: { id: string; name: string; hostUuid?: string };
  /** null: the destination did not answer (`reachableError` says why). */
  destCaps: CapabilitiesWire | null;
  reachableError?: string;
  domain: DomainWire;
  /** <devices><emulator> of the guest. */
  emulator?: string;
  state: string;
  /** Result of hypervisor-cpu-compare on the destination; undefined when not run. */
  cpuCompare?: { ok: boolean; text: string };
  /** Paths the guest needs (disk sources, kernel, initrd) and whether they exist on the destination. */
  paths: { path: string; what: string; exists: boolean }[];
  /** Network names and bridge names present on the destination. */
  destNetworks: string[];
  destBridges: string[];
  destAvailableKiB?: number;
  destNames: string[];
  destUuids: string[];
}

export interface PreflightReport {
  ok: boolean;
  mode: "live" | "offline";
  checks: PreflightCheck[];
}

const RUNNING = new Set(["running", "paused", "idle", "blocked"]);

export function preflightEvaluate(f: PreflightFacts): PreflightReport {
  const checks: PreflightCheck[] = [];
  const add: Add = (id, status, reason) => checks.push({ id, status, reason });
  const live = RUNNING.has(f.state);
  const mode = live ? "live" : "offline";

  const same =
    f.sourceHost.id === f.destHost.id ||
    (f.sourceHost.hostUuid !== undefined && f.sourceHost.hostUuid === f.destHost.hostUuid);
  add(
    "destination",
    same ? "fail" : "pass",
    same
      ? `${f.destHost.name} is the host the VM runs on (same host UUID)`
      : `${f.sourceHost.name} -> ${f.destHost.name}`,
  );
  if (!f.destCaps) {
    add("reachable", "fail", `${f.destHost.name} does not answer: ${f.reachableError ?? "no connection"}`);
    return { ok: false, mode, checks };
  }
  add("reachable", "pass", `${f.destHost.name} answers over SSH and libvirt`);
  add(
    "state",
    f.state === "paused" || live || f.state === "shut off" ? "pass" : "fail",
    live
      ? `running: live migration`
      : f.state === "shut off"
        ? "shut off: offline migration (definition)"
        : `state ${f.state}`,
  );

  platformChecks(f, add);
  resourceChecks(f, live, add);
  return { ok: checks.every((c) => c.status !== "fail"), mode, checks };
}

type Add = (id: CheckId, status: PreflightCheck["status"], reason: string) => void;

/** Emulator, machine type and CPU: can the destination run this guest at all. */
function platformChecks(f: PreflightFacts, add: Add): void {
  const d = f.domain;
  const arch = d.os.arch ?? "x86_64";
  const guest = f.destCaps!.guests.find((g) => g.arch === arch && g.osType === (d.os.type || "hvm"));
  if (!guest) add("emulator", "fail", `${f.destHost.name} cannot run ${arch} ${d.os.type} guests`);
  else if (!guest.domainTypes.includes(d.type))
    add("emulator", "fail", `${f.destHost.name} offers ${guest.domainTypes.join(", ")} for ${arch}, not ${d.type}`);
  else if (f.emulator && guest.emulator && f.emulator !== guest.emulator)
    add("emulator", "fail", `${f.destHost.name}'s emulator is ${guest.emulator}, the VM uses ${f.emulator}`);
  else add("emulator", "pass", `${d.type} ${arch} with ${guest.emulator ?? "the default emulator"}`);

  const machine = d.os.machine;
  if (!guest || !machine) add("machine", guest ? "pass" : "fail", machine ? `${machine}` : "default machine type");
  else {
    const known = guest.machines.some((m) => m.name === machine || m.canonical === machine);
    add(
      "machine",
      known ? "pass" : "fail",
      known ? `${machine} is available` : `${f.destHost.name} has no machine type ${machine}`,
    );
  }

  if (d.type === "qemu") add("cpu", "skip", "TCG guest: its CPU is emulated, the host CPU does not matter");
  else if (!f.cpuCompare) add("cpu", "skip", "the guest's CPU has no model to compare (default CPU)");
  else
    add(
      "cpu",
      f.cpuCompare.ok ? "pass" : "fail",
      f.cpuCompare.ok ? f.cpuCompare.text : `not compatible with ${f.destHost.name}: ${f.cpuCompare.text}`,
    );
}

/** Disks and boot files, networks, memory, name/UUID clash: what the guest needs there. */
function resourceChecks(f: PreflightFacts, live: boolean, add: Add): void {
  const d = f.domain;

  const missing = f.paths.filter((p) => !p.exists);
  if (f.paths.length === 0) add("disks", "pass", "no disks or boot files");
  else if (missing.length)
    add(
      "disks",
      "fail",
      `missing on ${f.destHost.name}: ${missing.map((p) => `${p.what} ${p.path}`).join(", ")} (copying storage is not offered yet)`,
    );
  else
    add("disks", "pass", `present at the same paths on ${f.destHost.name}: ${f.paths.map((p) => p.path).join(", ")}`);

  const netMissing: string[] = [];
  for (const i of d.interfaces) {
    if (i.source?.network && !f.destNetworks.includes(i.source.network)) netMissing.push(`network ${i.source.network}`);
    if (i.type === "bridge" && i.source?.bridge && !f.destBridges.includes(i.source.bridge))
      netMissing.push(`bridge ${i.source.bridge}`);
  }
  if (netMissing.length) add("networks", "fail", `missing on ${f.destHost.name}: ${netMissing.join(", ")}`);
  else add("networks", "pass", d.interfaces.length ? "every network and bridge exists there" : "no network interfaces");

  const needKiB = d.currentMemoryKiB || d.memoryKiB;
  if (!live) add("memory", "skip", "shut off: memory is needed only when it starts there");
  else if (f.destAvailableKiB === undefined) add("memory", "skip", "free memory unknown");
  else
    add(
      "memory",
      f.destAvailableKiB >= needKiB ? "pass" : "fail",
      `${Math.round(needKiB / 1024)} MiB needed, ${Math.round(f.destAvailableKiB / 1024)} MiB available`,
    );

  const clashUuid = f.destUuids.includes(d.uuid);
  const clashName = f.destNames.includes(d.name);
  add(
    "clash",
    clashUuid || clashName ? "fail" : "pass",
    clashUuid
      ? `a domain with UUID ${d.uuid} exists on ${f.destHost.name}`
      : clashName
        ? `a domain named ${d.name} exists on ${f.destHost.name}`
        : "no domain with this name or UUID there",
  );
}
