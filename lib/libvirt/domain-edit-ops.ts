import "server-only";
import type { MessageRef } from "@/lib/contracts/provisioning";
import type { VmEditNote } from "@/lib/contracts/hardware";
import { parseDomainXml } from "./domain-xml-parse";
import { attr, child, children, parseXmlRoot } from "./xml";
import { xmlSerialize } from "./xml-build";
import type { DiskBus, DomainNicCreate } from "./domain-xml-create";
import {
  domainAddDisk,
  domainAddNic,
  domainAttachIso,
  domainEjectIso,
  domainRemoveDisk,
  domainRemoveNic,
  domainSetBoot,
  domainSetDescription,
  domainSetMemory,
  domainSetTitle,
  domainSetVcpus,
} from "./domain-xml-update";

/*
 * Hardware edits as data. Each operation of the table changes the inactive XML (pure; a bad
 * value throws DomainEditError) and says, per change, what to do on a running guest: a live
 * step (setvcpus, setmem, desc, or a device's XML to attach, detach or update), nothing (the
 * change needs no live step), or "after shutdown" (with a reason). `editPlan` runs the table in
 * order; the same plan serves a stopped guest (every change applied with the definition) and a
 * running one (live steps to try, the rest pending). Messages are catalogue keys
 * ("provisioning" namespace, `hwEdit.*`): the browser words them.
 */

export type LiveStep =
  | { kind: "setvcpus"; count: number }
  | { kind: "setmem"; kib: number }
  | { kind: "desc"; field: "title" | "description"; text: string }
  | { kind: "attach" | "detach"; deviceXml: string }
  | { kind: "update"; deviceXml: string; force?: boolean };

/** What a change asks of a running guest. */
export type LivePlan = { kind: "none" } | { kind: "step"; step: LiveStep } | { kind: "shutdown"; reason?: MessageRef };

export interface EditChange {
  /** Audit label of the change ("add disk vdb"). */
  change: string;
  notes: { message: MessageRef; live: LivePlan }[];
}

/** An edit with its host work done: volumes created or checked, paths resolved, MAC chosen. */
export interface EditRequest {
  vcpus?: number;
  memoryMiB?: number;
  maxMemoryMiB?: number;
  title?: string;
  description?: string;
  bootOrder?: ("hd" | "cdrom" | "network")[];
  bootMenu?: boolean;
  addDisk?: { path: string; format: "qcow2" | "raw"; bus: DiskBus; cache?: string };
  /** `deletedPath`: the disk's volume is deleted with it (checked beforehand). */
  removeDisk?: { target: string; deletedPath?: string };
  attachIso?: { path: string; volume: string };
  ejectIso?: string;
  addNic?: DomainNicCreate & { mac: string };
  removeNic?: string;
}

export interface EditContext {
  /** The running guest's XML (equal to the inactive XML when it is stopped). */
  live: string;
  running: boolean;
}

export interface EditOp {
  applies(r: EditRequest): boolean;
  apply(xml: string, r: EditRequest, ctx: EditContext): { xml: string } & EditChange;
}

const msg = (key: string, params?: MessageRef["params"]): MessageRef =>
  params ? { key: `hwEdit.${key}`, params } : { key: `hwEdit.${key}` };
const NONE: LivePlan = { kind: "none" };
const step = (s: LiveStep): LivePlan => ({ kind: "step", step: s });
const shutdown = (reason?: MessageRef): LivePlan => (reason ? { kind: "shutdown", reason } : { kind: "shutdown" });

/** Device XML of a live device matched by disk target or NIC MAC (the live XML carries runtime details). */
export function liveDevice(liveXml: string, kind: "disk" | "interface", key: string): string | undefined {
  const devices = child(parseXmlRoot(liveXml, "domain"), "devices");
  const el = children(devices, kind).find((d) =>
    kind === "disk"
      ? attr(child(d, "target"), "dev") === key
      : attr(child(d, "mac"), "address")?.toLowerCase() === key.toLowerCase(),
  );
  return el ? xmlSerialize(el) : undefined;
}

/** Title and description: text a running guest takes through `virsh desc --live` (an empty or dash-led text is left to the definition). */
function descOp(field: "title" | "description"): EditOp {
  return {
    applies: (r) => r[field] !== undefined,
    apply(xml, r) {
      const text = r[field]!;
      const next = field === "title" ? domainSetTitle(xml, text) : domainSetDescription(xml, text);
      const live = text && !text.startsWith("-") ? step({ kind: "desc", field, text }) : NONE;
      return { xml: next, change: field, notes: [{ message: msg(field), live }] };
    },
  };
}

const vcpusOp: EditOp = {
  applies: (r) => r.vcpus !== undefined,
  apply(xml, r, ctx) {
    const count = r.vcpus!;
    const message = msg("vcpus", { count });
    const live =
      count <= parseDomainXml(ctx.live).vcpu.max ? step({ kind: "setvcpus", count }) : shutdown(msg("aboveMax"));
    return { xml: domainSetVcpus(xml, count), change: "vcpus", notes: [{ message, live }] };
  },
};

const memoryOp: EditOp = {
  applies: (r) => r.memoryMiB !== undefined || r.maxMemoryMiB !== undefined,
  apply(xml, r, ctx) {
    const notes: EditChange["notes"] = [];
    if (r.maxMemoryMiB !== undefined)
      notes.push({ message: msg("maxMemory", { mib: r.maxMemoryMiB }), live: shutdown() });
    if (r.memoryMiB !== undefined) {
      const live =
        r.memoryMiB <= parseDomainXml(ctx.live).memoryKiB / 1024
          ? step({ kind: "setmem", kib: r.memoryMiB * 1024 })
          : shutdown(msg("aboveMax"));
      notes.push({ message: msg("memory", { mib: r.memoryMiB }), live });
    }
    return {
      xml: domainSetMemory(xml, { memoryMiB: r.memoryMiB, maxMemoryMiB: r.maxMemoryMiB }),
      change: "memory",
      notes,
    };
  },
};

const bootOp: EditOp = {
  applies: (r) => r.bootOrder !== undefined || r.bootMenu !== undefined,
  apply(xml, r) {
    const menu = r.bootMenu === undefined ? "unchanged" : r.bootMenu ? "on" : "off";
    const message = msg("boot", { order: r.bootOrder?.join(", ") ?? "", menu });
    return {
      xml: domainSetBoot(xml, { order: r.bootOrder, menu: r.bootMenu }),
      change: "boot",
      notes: [{ message, live: shutdown() }],
    };
  },
};

const addDiskOp: EditOp = {
  applies: (r) => r.addDisk !== undefined,
  apply(xml, r) {
    const d = r.addDisk!;
    const added = domainAddDisk(xml, { device: "disk", path: d.path, format: d.format, bus: d.bus, cache: d.cache });
    // IDE and SATA have no hot-plug in QEMU.
    const live =
      d.bus === "ide" || d.bus === "sata"
        ? shutdown(msg("noHotplug", { bus: d.bus }))
        : step({ kind: "attach", deviceXml: added.deviceXml });
    return {
      xml: added.xml,
      change: `add disk ${added.target}`,
      notes: [{ message: msg("diskAdded", { target: added.target }), live }],
    };
  },
};

const removeDiskOp: EditOp = {
  applies: (r) => r.removeDisk !== undefined,
  apply(xml, r, ctx) {
    const { target, deletedPath } = r.removeDisk!;
    const next = domainRemoveDisk(xml, target).xml;
    const change = `remove disk ${target}`;
    // A volume is deleted only with the guest shut off (checked before): nothing to do live.
    if (deletedPath)
      return {
        xml: next,
        change,
        notes: [{ message: msg("diskRemovedDeleted", { target, path: deletedPath }), live: NONE }],
      };
    const dev = ctx.running ? liveDevice(ctx.live, "disk", target) : undefined;
    return {
      xml: next,
      change,
      notes: [
        { message: msg("diskRemovedKept", { target }), live: dev ? step({ kind: "detach", deviceXml: dev }) : NONE },
      ],
    };
  },
};

const attachIsoOp: EditOp = {
  applies: (r) => r.attachIso !== undefined,
  apply(xml, r, ctx) {
    const { path, volume } = r.attachIso!;
    const a = domainAttachIso(xml, path);
    const change = `insert ${volume} in ${a.target}`;
    // A new drive is new hardware: only a media change in an existing drive applies live.
    if (ctx.running && (a.newDrive || !liveDevice(ctx.live, "disk", a.target))) {
      return {
        xml: a.xml,
        change,
        notes: [{ message: msg("cdromAdded", { target: a.target, volume }), live: shutdown() }],
      };
    }
    return {
      xml: a.xml,
      change,
      notes: [
        {
          message: msg("isoInserted", { target: a.target, volume }),
          live: step({ kind: "update", deviceXml: a.deviceXml }),
        },
      ],
    };
  },
};

const ejectIsoOp: EditOp = {
  applies: (r) => r.ejectIso !== undefined,
  apply(xml, r, ctx) {
    const target = r.ejectIso!;
    const next = domainEjectIso(xml, target).xml;
    const live = ctx.running
      ? step({ kind: "update", deviceXml: domainEjectIso(ctx.live, target).deviceXml, force: true })
      : NONE;
    return { xml: next, change: `eject ${target}`, notes: [{ message: msg("isoEjected", { target }), live }] };
  },
};

const addNicOp: EditOp = {
  applies: (r) => r.addNic !== undefined,
  apply(xml, r) {
    const nic = r.addNic!;
    const a = domainAddNic(xml, nic);
    return {
      xml: a.xml,
      change: `add NIC ${nic.mac}`,
      notes: [{ message: msg("nicAdded", { mac: nic.mac }), live: step({ kind: "attach", deviceXml: a.deviceXml }) }],
    };
  },
};

const removeNicOp: EditOp = {
  applies: (r) => r.removeNic !== undefined,
  apply(xml, r, ctx) {
    const mac = r.removeNic!;
    const next = domainRemoveNic(xml, mac).xml;
    const dev = ctx.running ? liveDevice(ctx.live, "interface", mac) : undefined;
    return {
      xml: next,
      change: `remove NIC ${mac}`,
      notes: [
        { message: msg("nicRemoved", { mac }), live: dev ? step({ kind: "detach", deviceXml: dev }) : shutdown() },
      ],
    };
  },
};

/** The table, in the order the changes apply (and are reported). */
export const EDIT_OPS: readonly EditOp[] = [
  vcpusOp,
  memoryOp,
  descOp("title"),
  descOp("description"),
  bootOp,
  addDiskOp,
  removeDiskOp,
  attachIsoOp,
  ejectIsoOp,
  addNicOp,
  removeNicOp,
];

export interface EditPlan {
  /** The new inactive XML (to `virsh define`). */
  xml: string;
  changes: string[];
  /** Applied with the definition (a stopped guest), or needing nothing live. */
  applied: VmEditNote[];
  afterShutdown: VmEditNote[];
  /** Live steps to try on the running guest once the definition is saved. */
  liveSteps: { message: MessageRef; step: LiveStep }[];
}

/**
 * Runs the table over the inactive XML. A stopped guest gets every change with its definition;
 * a running one gets the live steps to try, the rest after the next shutdown.
 */
export function editPlan(inactive: string, request: EditRequest, ctx: EditContext): EditPlan {
  const plan: EditPlan = { xml: inactive, changes: [], applied: [], afterShutdown: [], liveSteps: [] };
  for (const op of EDIT_OPS) {
    if (!op.applies(request)) continue;
    const r = op.apply(plan.xml, request, ctx);
    plan.xml = r.xml;
    plan.changes.push(r.change);
    for (const { message, live } of r.notes) {
      if (!ctx.running || live.kind === "none") plan.applied.push(message);
      else if (live.kind === "step") plan.liveSteps.push({ message, step: live.step });
      else plan.afterShutdown.push(live.reason ? { ...message, reason: live.reason } : message);
    }
  }
  return plan;
}

/** The note of a live step that failed: pending, with libvirt's reason. */
export function liveFailedNote(message: MessageRef, error: string): VmEditNote {
  return { ...message, reason: msg("notLive", { error }) };
}
