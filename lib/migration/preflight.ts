import type { CapabilitiesWire } from "@/lib/libvirt/capabilities-parse";
import type { DomainWire } from "@/lib/libvirt/domain-xml-parse";
import type { MessageRef } from "@/lib/contracts/messages";
import { englishText } from "@/lib/i18n/english";

/**
 * The pre-flight report of a migration: pure checks over facts read from both hosts (service.ts
 * gathers them). Each check passes, fails (the migration is refused) or is skipped, with a reason.
 */
export type CheckId =
  "destination" | "reachable" | "state" | "emulator" | "machine" | "cpu" | "disks" | "networks" | "memory" | "clash";

export interface PreflightCheck {
  id: CheckId;
  status: "pass" | "fail" | "skip";
  /** English (API clients, the audit and error texts). */
  reason: string;
  /** The same in the "migration" catalogue (`reasons.*`): what the browser shows in the reader's language. */
  reasonRef: MessageRef;
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
  const add: Add = (id, status, key, params) => {
    const reasonRef: MessageRef = params ? { key: `reasons.${key}`, params } : { key: `reasons.${key}` };
    checks.push({ id, status, reason: englishText("migration", reasonRef), reasonRef });
  };
  const live = RUNNING.has(f.state);
  const mode = live ? "live" : "offline";

  const same =
    f.sourceHost.id === f.destHost.id ||
    (f.sourceHost.hostUuid !== undefined && f.sourceHost.hostUuid === f.destHost.hostUuid);
  add(
    "destination",
    same ? "fail" : "pass",
    same ? "sameHost" : "route",
    same ? { host: f.destHost.name } : { source: f.sourceHost.name, destination: f.destHost.name },
  );
  if (!f.destCaps) {
    add("reachable", "fail", "unreachable", { host: f.destHost.name, error: f.reachableError ?? "no connection" });
    return { ok: false, mode, checks };
  }
  add("reachable", "pass", "reachable", { host: f.destHost.name });
  add(
    "state",
    f.state === "paused" || live || f.state === "shut off" ? "pass" : "fail",
    live ? "stateLive" : f.state === "shut off" ? "stateOffline" : "stateOther",
    live || f.state === "shut off" ? undefined : { state: f.state },
  );

  platformChecks(f, add);
  resourceChecks(f, live, add);
  return { ok: checks.every((c) => c.status !== "fail"), mode, checks };
}

/** A check's verdict and its reason: a key under `reasons.` of the "migration" catalogue and its arguments. */
type Add = (id: CheckId, status: PreflightCheck["status"], key: string, params?: MessageRef["params"]) => void;

/** Emulator, machine type and CPU: can the destination run this guest at all. */
function platformChecks(f: PreflightFacts, add: Add): void {
  const d = f.domain;
  const arch = d.os.arch ?? "x86_64";
  const guest = f.destCaps!.guests.find((g) => g.arch === arch && g.osType === (d.os.type || "hvm"));
  const host = f.destHost.name;
  if (!guest) add("emulator", "fail", "noGuest", { host, arch, osType: d.os.type || "hvm" });
  else if (!guest.domainTypes.includes(d.type))
    add("emulator", "fail", "domainType", { host, types: guest.domainTypes.join(", "), arch, type: d.type });
  else if (f.emulator && guest.emulator && f.emulator !== guest.emulator)
    add("emulator", "fail", "emulatorDiffers", { host, dest: guest.emulator, source: f.emulator });
  else add("emulator", "pass", "emulatorOk", { type: d.type, arch, emulator: guest.emulator ?? "default" });

  const machine = d.os.machine;
  if (!guest || !machine)
    add(
      "machine",
      guest ? "pass" : "fail",
      machine ? "machineNamed" : "machineDefault",
      machine ? { machine } : undefined,
    );
  else {
    const known = guest.machines.some((m) => m.name === machine || m.canonical === machine);
    add("machine", known ? "pass" : "fail", known ? "machineOk" : "machineMissing", { host, machine });
  }

  if (d.type === "qemu") add("cpu", "skip", "cpuTcg");
  else if (!f.cpuCompare) add("cpu", "skip", "cpuNoModel");
  else
    add("cpu", f.cpuCompare.ok ? "pass" : "fail", f.cpuCompare.ok ? "cpuOk" : "cpuBad", {
      host,
      text: f.cpuCompare.text,
    });
}

/** Disks and boot files, networks, memory, name/UUID clash: what the guest needs there. */
function resourceChecks(f: PreflightFacts, live: boolean, add: Add): void {
  const d = f.domain;
  const host = f.destHost.name;

  const missing = f.paths.filter((p) => !p.exists);
  if (f.paths.length === 0) add("disks", "pass", "disksNone");
  else if (missing.length) add("disks", "fail", "disksMissing", { host, paths: missing.map((p) => p.path).join(", ") });
  else add("disks", "pass", "disksPresent", { host, paths: f.paths.map((p) => p.path).join(", ") });

  const nets = new Set<string>();
  const bridges = new Set<string>();
  for (const i of d.interfaces) {
    if (i.source?.network && !f.destNetworks.includes(i.source.network)) nets.add(i.source.network);
    if (i.type === "bridge" && i.source?.bridge && !f.destBridges.includes(i.source.bridge))
      bridges.add(i.source.bridge);
  }
  if (nets.size || bridges.size)
    add("networks", "fail", "networksMissing", {
      host,
      networkCount: nets.size,
      networks: [...nets].join(", "),
      bridgeCount: bridges.size,
      bridges: [...bridges].join(", "),
    });
  else add("networks", "pass", d.interfaces.length ? "networksOk" : "networksNone");

  const needKiB = d.currentMemoryKiB || d.memoryKiB;
  if (!live) add("memory", "skip", "memoryOffline");
  else if (f.destAvailableKiB === undefined) add("memory", "skip", "memoryUnknown");
  else
    add("memory", f.destAvailableKiB >= needKiB ? "pass" : "fail", "memory", {
      need: Math.round(needKiB / 1024),
      available: Math.round(f.destAvailableKiB / 1024),
    });

  const clashUuid = f.destUuids.includes(d.uuid);
  const clashName = f.destNames.includes(d.name);
  add(
    "clash",
    clashUuid || clashName ? "fail" : "pass",
    clashUuid ? "clashUuid" : clashName ? "clashName" : "clashNone",
    clashUuid ? { host, uuid: d.uuid } : clashName ? { host, name: d.name } : undefined,
  );
}
