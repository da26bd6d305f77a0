import "server-only";
import { randomBytes } from "node:crypto";
import { AppError } from "@/lib/http/errors";
import { parseVolumeXml } from "@/lib/libvirt/storage-xml";
import { bytesToGiB, quotaEditApply, quotaEditCheck, type VmResourceChange } from "@/lib/provisioning/quota";
import { DomainUuidSchema, type VirshCommandInput } from "@/lib/hosts/virsh-command";
import type { Caller } from "@/lib/authz/caller";
import { inventoryGet, inventoryInvalidate } from "@/lib/fleet/inventory";
import { fleet } from "@/lib/fleet/runtime";
import { virshMessage } from "@/lib/fleet/errors";
import { parseDomainXml } from "@/lib/libvirt/domain-xml-parse";
import { attr, child, children, parseXmlRoot, path as xpath } from "@/lib/libvirt/xml";
import { xmlSerialize } from "@/lib/libvirt/xml-build";
import {
  domainAddDisk,
  domainAddNic,
  domainAttachIso,
  domainDisks,
  domainEjectIso,
  domainRemoveDisk,
  domainRemoveNic,
  domainSetBoot,
  domainSetDescription,
  domainSetMemory,
  domainSetTitle,
  domainSetVcpus,
  DomainEditError,
} from "@/lib/libvirt/domain-xml-update";
import { isActive } from "@/lib/libvirt/vm-state";
import type { VmEditInput, VmEditResult, VmHardwareResponse } from "@/lib/contracts/provisioning";
import { provHost, vmAuditor, type ProvHost } from "./host-access";
import { provImageInspect } from "./plan";
import { hardwareDiff, hardwareView } from "./hardware-view";
import { isoVolumeCheck } from "./iso-check";
import { volumeDependents } from "./volume-dependents";
import { dependentsAny, dependentsDescribe } from "./volume-dependents-find";

/**
 * Hardware edits: read-modify-write of the inactive XML (one `virsh define`), then the same
 * change on the running guest where libvirt can do it live (setvcpus/setmem --live, device
 * hot-plug, CD-ROM media change, blockresize). What could not be applied live is reported as
 * "after shutdown", and shows as a live-vs-persistent difference.
 */

function uuidOf(raw: string): string {
  const r = DomainUuidSchema.safeParse(raw);
  if (!r.success) throw new AppError("not_found", "VM not found");
  return r.data;
}

async function readBoth(h: ProvHost, uuid: string): Promise<{ live: string; inactive: string }> {
  const [live, inactive] = await h.virshTry({ command: "dumpxml", args: [{ domain: uuid }] }, { command: "dumpxml", args: [{ domain: uuid }, { flag: "--inactive" }] });
  if (!live.ok || !inactive.ok) throw new AppError("not_found", "VM not found");
  return { live: live.stdout, inactive: inactive.stdout };
}

export async function vmHardware(hostId: string, rawUuid: string): Promise<VmHardwareResponse> {
  const uuid = uuidOf(rawUuid);
  const h = await provHost(hostId);
  const inv = await inventoryGet(h.host.id);
  const vm = inv.vms.find((v) => v.uuid === uuid);
  if (!vm) throw new AppError("not_found", "VM not found");
  const { live, inactive } = await readBoth(h, uuid);
  const running = isActive(vm.state);
  const p = hardwareView(parseDomainXml(inactive));
  const l = running ? hardwareView(parseDomainXml(live)) : p;
  const bootMenu = attr(xpath(parseXmlRoot(inactive, "domain"), "os", "bootmenu"), "enable") === "yes";
  return { hostId: h.host.id, uuid, name: vm.name, state: vm.state, running, template: vm.template, autostart: vm.autostart, bootMenu, live: l, persistent: p, pending: running ? hardwareDiff(l, p) : [] };
}

function randomMac(): string {
  const b = randomBytes(3);
  return `52:54:00:${[...b].map((x) => x.toString(16).padStart(2, "0")).join(":")}`;
}

/** A free volume name `<vm>-diskN.<fmt>` in the pool. */
async function freeVolumeName(h: ProvHost, pool: string, vm: string, format: string): Promise<string> {
  const [list] = await h.virsh({ command: "vol-list", args: [{ arg: pool }] });
  for (let i = 1; ; i++) {
    const name = `${vm.replace(/[^A-Za-z0-9_.-]/g, "_")}-disk${i}.${format}`;
    if (!list.includes(` ${name} `) && !list.split("\n").some((l) => l.trim().startsWith(`${name} `))) return name;
  }
}

/** Device XML of a live device matched by disk target or NIC MAC (the live XML carries runtime details). */
function liveDevice(liveXml: string, kind: "disk" | "interface", key: string): string | undefined {
  const devices = child(parseXmlRoot(liveXml, "domain"), "devices");
  const el = children(devices, kind).find((d) =>
    kind === "disk" ? attr(child(d, "target"), "dev") === key : attr(child(d, "mac"), "address")?.toLowerCase() === key.toLowerCase(),
  );
  return el ? xmlSerialize(el) : undefined;
}

/**
 * The volume behind a disk about to be removed together with it: its path, once nothing else can
 * lose data by its deletion. Refused (409, saying why) while the guest runs (it has the file open),
 * for CD-ROM media and files outside libvirt's pools, and while another VM uses the file (as a disk
 * or in a backing chain), a volume is backed by it, a template uses it as base image or a
 * create/clone task is still to read it (see volume-dependents.ts, the check VM deletion uses).
 */
async function removedVolumeCheck(h: ProvHost, uuid: string, vmName: string, running: boolean, inactive: string, target: string): Promise<{ path: string; capacityBytes: number }> {
  const disks = domainDisks(inactive);
  const disk = disks.find((d) => d.target === target);
  if (!disk) throw new AppError("invalid_input", `No disk ${target}`);
  if (disk.device !== "disk") throw new AppError("invalid_input", `${target} is a ${disk.device} drive: its media is not deleted with it (remove the drive without deleting a volume)`);
  if (running) throw new AppError("invalid_state", `Shut ${vmName} down before deleting the volume of ${target}: the running guest has it open`);
  const path = disk.path;
  if (!path?.startsWith("/")) throw new AppError("conflict", `Refusing to delete the volume of ${target}: it is not a file on the host`);
  const [vol] = await h.virshTry({ command: "vol-dumpxml", args: [{ arg: path }] });
  if (!vol.ok) throw new AppError("conflict", `Refusing to delete ${path}: it is not in a libvirt storage pool`);
  const twice = disks.filter((d) => d.target !== target && d.path === path).map((d) => d.target);
  if (twice.length) throw new AppError("conflict", `Refusing to delete ${path}: ${vmName} uses it as ${twice.join(", ")} too`);
  const deps = (await volumeDependents(h.host, [path], { exceptVm: uuid })).get(path)!;
  if (dependentsAny(deps)) {
    throw new AppError("conflict", `Refusing to delete ${path}: it is used by ${dependentsDescribe(deps).join("; ")}. Nothing was changed; remove the disk without deleting its volume, or remove those first.`, {
      data: { vms: [...new Set(deps.vms.map((v) => v.name))], volumes: deps.volumes, templates: deps.templates },
    });
  }
  return { path, capacityBytes: parseVolumeXml(vol.stdout).capacityBytes };
}

export async function vmHardwareEdit(caller: Caller, hostId: string, rawUuid: string, input: VmEditInput): Promise<VmEditResult> {
  const uuid = uuidOf(rawUuid);
  const h = await provHost(hostId);
  const inv = await inventoryGet(h.host.id, { maxAgeMs: 0 });
  const vm = inv.vms.find((v) => v.uuid === uuid);
  if (!vm) throw new AppError("not_found", "VM not found");
  const running = isActive(vm.state);
  const result: VmEditResult = { live: [], afterShutdown: [] };
  const changed: string[] = [];
  const audit = vmAuditor(caller, h, "vm.edit", { uuid, name: vm.name });

  // Growth counts against the quota of the VM's creator (lib/provisioning/quota.ts).
  const quotaChange: VmResourceChange = { vcpus: input.vcpus, memoryMiB: input.memoryMiB, diskGiBAdded: input.addDisk ? bytesToGiB(input.addDisk.sizeMiB * 1024 * 1024) : 0 };
  try {
    await quotaEditCheck(h.host.id, uuid, quotaChange);
    const { live, inactive } = await readBoth(h, uuid);
    let xml = inactive;
    // Checked before anything changes: the disk goes together with its volume, or nothing happens.
    const volumeToDelete = input.removeDisk && input.deleteRemovedVolume ? await removedVolumeCheck(h, uuid, vm.name, running, inactive, input.removeDisk) : undefined;
    // Only an ISO image that nothing else uses as a disk or base goes into a CD-ROM drive (iso-check.ts).
    const iso = input.attachIso ? await isoVolumeCheck(h, input.attachIso, "attachIso.volume") : undefined;
    /** Live operations to try after the persistent definition is saved: [what, virsh command, stdin]. */
    const liveOps: [string, VirshCommandInput, string | undefined][] = [];
    const pending = (what: string) => result.afterShutdown.push(what);
    const liveOrPending = (what: string, cmd: VirshCommandInput, stdin?: string) => (running ? liveOps.push([what, cmd, stdin]) : result.live.push(what));

    if (input.vcpus !== undefined) {
      xml = domainSetVcpus(xml, input.vcpus);
      changed.push("vcpus");
      const liveMax = parseDomainXml(live).vcpu.max;
      if (running && input.vcpus <= liveMax) liveOrPending(`vCPUs: ${input.vcpus}`, { command: "setvcpus", args: [{ domain: uuid }, { arg: String(input.vcpus) }, { flag: "--live" }] });
      else if (running) pending(`vCPUs: ${input.vcpus} (above the running guest's maximum)`);
      else result.live.push(`vCPUs: ${input.vcpus}`);
    }
    if (input.memoryMiB !== undefined || input.maxMemoryMiB !== undefined) {
      xml = domainSetMemory(xml, { memoryMiB: input.memoryMiB, maxMemoryMiB: input.maxMemoryMiB });
      changed.push("memory");
      if (input.maxMemoryMiB !== undefined) (running ? pending : (w: string) => result.live.push(w))(`Max memory: ${input.maxMemoryMiB} MiB`);
      if (input.memoryMiB !== undefined) {
        const liveMaxMiB = parseDomainXml(live).memoryKiB / 1024;
        if (running && input.memoryMiB <= liveMaxMiB) liveOrPending(`Memory: ${input.memoryMiB} MiB`, { command: "setmem", args: [{ domain: uuid }, { arg: `${input.memoryMiB * 1024}` }, { flag: "--live" }] });
        else if (running) pending(`Memory: ${input.memoryMiB} MiB (above the running guest's maximum)`);
        else result.live.push(`Memory: ${input.memoryMiB} MiB`);
      }
    }
    if (input.title !== undefined) {
      xml = domainSetTitle(xml, input.title);
      changed.push("title");
      if (running && input.title && !input.title.startsWith("-")) liveOrPending("Title", { command: "desc", args: [{ domain: uuid }, { flag: "--live" }, { flag: "--title" }, { option: "--new-desc", value: input.title }] });
      else result.live.push("Title");
    }
    if (input.description !== undefined) {
      xml = domainSetDescription(xml, input.description);
      changed.push("description");
      if (running && input.description && !input.description.startsWith("-")) liveOrPending("Description", { command: "desc", args: [{ domain: uuid }, { flag: "--live" }, { option: "--new-desc", value: input.description }] });
      else result.live.push("Description");
    }
    if (input.bootOrder !== undefined || input.bootMenu !== undefined) {
      xml = domainSetBoot(xml, { order: input.bootOrder, menu: input.bootMenu });
      changed.push("boot");
      (running ? pending : (w: string) => result.live.push(w))(`Boot: ${input.bootOrder?.join(", ") ?? ""}${input.bootMenu !== undefined ? ` menu ${input.bootMenu ? "on" : "off"}` : ""}`.trim());
    }
    if (input.addDisk) {
      const d = input.addDisk;
      const name = await freeVolumeName(h, d.pool, vm.name, d.format);
      await h.virsh({ command: "vol-create-as", args: [{ arg: d.pool }, { arg: name }, { arg: `${d.sizeMiB * 1024 * 1024}b` }, { option: "--format", value: d.format }] });
      const [p] = await h.virsh({ command: "vol-path", args: [{ option: "--pool", value: d.pool }, { arg: name }] });
      const added = domainAddDisk(xml, { device: "disk", path: p.trim(), format: d.format, bus: d.bus, cache: d.cache });
      xml = added.xml;
      changed.push(`add disk ${added.target}`);
      if (running && d.bus !== "ide" && d.bus !== "sata") liveOrPending(`Disk ${added.target} added`, { command: "attach-device", args: [{ domain: uuid }, { arg: "/dev/stdin" }, { flag: "--live" }] }, added.deviceXml);
      else if (running) pending(`Disk ${added.target} added (${d.bus} disks cannot be hot-plugged)`);
      else result.live.push(`Disk ${added.target} added`);
    }
    if (input.removeDisk) {
      const removed = domainRemoveDisk(xml, input.removeDisk);
      xml = removed.xml;
      changed.push(`remove disk ${input.removeDisk}`);
      const dev = running ? liveDevice(live, "disk", input.removeDisk) : undefined;
      if (volumeToDelete) result.live.push(`Disk ${input.removeDisk} removed and its volume ${volumeToDelete.path} deleted`);
      else if (dev) liveOrPending(`Disk ${input.removeDisk} removed (its volume is kept)`, { command: "detach-device", args: [{ domain: uuid }, { arg: "/dev/stdin" }, { flag: "--live" }] }, dev);
      else result.live.push(`Disk ${input.removeDisk} removed (its volume is kept)`);
    }
    if (input.resizeDisk) {
      const disk = domainDisks(xml).find((d) => d.target === input.resizeDisk!.target && d.device === "disk");
      if (!disk?.path) throw new AppError("invalid_input", `No file-backed disk ${input.resizeDisk.target}`);
      const bytes = input.resizeDisk.sizeMiB * 1024 * 1024;
      // libvirt's vol-resize treats the volume as the format it probed: only when that is the
      // format the domain declares (a raw disk whose bytes became a qcow2 header is refused), and
      // the size is the one qemu-img reads as that format.
      const declared = disk.format === "raw" || disk.format === "qcow2" ? disk.format : null;
      if (!declared) throw new AppError("invalid_state", `Disk ${disk.target} declares ${disk.format ? `format ${disk.format}` : "no format"}: only raw and qcow2 disks can be resized`);
      const [volXml] = await h.virsh({ command: "vol-dumpxml", args: [{ arg: disk.path }] });
      const info = await provImageInspect(h, disk.path, declared, `disk ${disk.target} (${disk.path}, declared ${declared})`, { backingChain: true });
      const probedFormat = parseVolumeXml(volXml).format;
      if (!running && probedFormat !== declared) throw new AppError("invalid_state", `${disk.path}: libvirt reads it as ${probedFormat ?? "an unknown format"}, not the declared ${declared}; refresh its pool first`);
      const cap = info.virtualSizeBytes;
      if (bytes < cap) throw new AppError("invalid_input", "Disks can only grow: shrinking would cut off the guest's file systems");
      const grow = bytesToGiB(bytes) - bytesToGiB(cap);
      if (grow > 0) {
        await quotaEditCheck(h.host.id, uuid, { diskGiBAdded: (quotaChange.diskGiBAdded ?? 0) + grow });
        quotaChange.diskGiBAdded = (quotaChange.diskGiBAdded ?? 0) + grow;
      }
      if (running) await h.virsh({ command: "blockresize", args: [{ domain: uuid }, { arg: disk.path }, { arg: `${bytes}B` }] });
      else await h.virsh({ command: "vol-resize", args: [{ arg: disk.path }, { arg: `${bytes}b` }] });
      result.live.push(`Disk ${disk.target}: ${input.resizeDisk.sizeMiB} MiB`);
      changed.push(`resize ${disk.target}`);
    }
    if (input.attachIso && iso) {
      const a = domainAttachIso(xml, iso.path);
      xml = a.xml;
      changed.push(`insert ${input.attachIso.volume} in ${a.target}`);
      const liveDrive = running ? liveDevice(live, "disk", a.target) : undefined;
      if (running && !a.newDrive && liveDrive) liveOrPending(`${input.attachIso.volume} inserted in ${a.target}`, { command: "update-device", args: [{ domain: uuid }, { arg: "/dev/stdin" }, { flag: "--live" }] }, a.deviceXml);
      else if (running) pending(`New CD-ROM drive ${a.target} with ${input.attachIso.volume}`);
      else result.live.push(`${input.attachIso.volume} inserted in ${a.target}`);
    }
    if (input.ejectIso) {
      const e = domainEjectIso(xml, input.ejectIso);
      xml = e.xml;
      changed.push(`eject ${input.ejectIso}`);
      if (running) {
        const ejected = domainEjectIso(live, input.ejectIso).deviceXml;
        liveOrPending(`${input.ejectIso} ejected`, { command: "update-device", args: [{ domain: uuid }, { arg: "/dev/stdin" }, { flag: "--live" }, { flag: "--force" }] }, ejected);
      } else result.live.push(`${input.ejectIso} ejected`);
    }
    if (input.addNic) {
      const nic = { ...input.addNic, mac: input.addNic.mac || randomMac() };
      const a = domainAddNic(xml, nic);
      xml = a.xml;
      changed.push(`add NIC ${nic.mac}`);
      liveOrPending(`NIC ${nic.mac} added`, { command: "attach-device", args: [{ domain: uuid }, { arg: "/dev/stdin" }, { flag: "--live" }] }, a.deviceXml);
    }
    if (input.removeNic) {
      const r = domainRemoveNic(xml, input.removeNic);
      xml = r.xml;
      changed.push(`remove NIC ${input.removeNic}`);
      const dev = running ? liveDevice(live, "interface", input.removeNic) : undefined;
      if (dev) liveOrPending(`NIC ${input.removeNic} removed`, { command: "detach-device", args: [{ domain: uuid }, { arg: "/dev/stdin" }, { flag: "--live" }] }, dev);
      else if (running) pending(`NIC ${input.removeNic} removed`);
      else result.live.push(`NIC ${input.removeNic} removed`);
    }

    if (xml !== inactive) await h.virshExec({ command: "define", args: [{ arg: "/dev/stdin" }] }, { stdin: xml });
    if (volumeToDelete) {
      const [r] = await h.virshTry({ command: "vol-delete", args: [{ arg: volumeToDelete.path }] });
      if (!r.ok) {
        // Both or neither: the disk goes back into the definition (with the rest of this edit undone).
        await h.virshExec({ command: "define", args: [{ arg: "/dev/stdin" }] }, { stdin: inactive });
        throw new AppError("action_failed", `${h.host.name}: deleting ${volumeToDelete.path} failed (${virshMessage(r.stderr)}); the disk stays in ${vm.name} and nothing was changed`);
      }
      changed.push(`delete volume ${volumeToDelete.path}`);
      // The space is given back to the quota of the VM's creator.
      quotaChange.diskGiBRemoved = bytesToGiB(volumeToDelete.capacityBytes);
    }
    for (const [what, cmd, stdin] of liveOps) {
      try {
        if (stdin !== undefined) await h.virshExec(cmd, { stdin });
        else await h.virsh(cmd);
        result.live.push(what);
      } catch (err) {
        pending(`${what} — not applied live: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (input.autostart !== undefined) {
      if (input.autostart && vm.template) throw new AppError("invalid_state", `${vm.name} is a template: it never starts, also not at boot`);
      await h.virsh({ command: "autostart", args: input.autostart ? [{ domain: uuid }] : [{ domain: uuid }, { flag: "--disable" }] });
      result.live.push(`Autostart ${input.autostart ? "on" : "off"}`);
      changed.push("autostart");
    }
  } catch (err) {
    await audit("failure", { changes: changed, error: err instanceof Error ? err.message : String(err) });
    if (err instanceof DomainEditError) throw new AppError("invalid_input", err.message);
    throw err;
  } finally {
    inventoryInvalidate(h.host.id, [vm.name]);
  }
  await quotaEditApply(h.host.id, uuid, quotaChange);
  await audit("success", { changes: changed, live: result.live, afterShutdown: result.afterShutdown });
  const after = (await inventoryGet(h.host.id, { maxAgeMs: 0 }).catch(() => null))?.vms.find((v) => v.uuid === uuid) ?? null;
  if (after) fleet().bus.emit("vm", { hostId: h.host.id, uuid, vm: after });
  return result;
}
