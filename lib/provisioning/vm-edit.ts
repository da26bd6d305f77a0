import "server-only";
import { randomBytes } from "node:crypto";
import { AppError } from "@/lib/http/errors";
import { parseVolumeXml } from "@/lib/libvirt/storage-xml";
import { domainXmlTry } from "@/lib/virt/domain";
import { networkList } from "@/lib/virt/network";
import { volumeNames, volumeXmlGet, volumeXmlTry } from "@/lib/virt/storage-volume";
import { bytesToGiB, quotaEditApply, quotaEditCheck, type VmResourceChange } from "@/lib/provisioning/quota";
import { DomainUuidSchema } from "@/lib/contracts/libvirt";
import type { Caller } from "@/lib/authz/caller";
import { inventoryGet, inventoryInvalidate } from "@/lib/fleet/inventory";
import { eventsVmPublish } from "@/lib/fleet/events";
import { virshMessage } from "@/lib/hosts/client-errors";
import { parseDomainXml } from "@/lib/libvirt/domain-xml-parse";
import { attr, parseXmlRoot, path as xpath } from "@/lib/libvirt/xml";
import { domainDisks, DomainEditError } from "@/lib/libvirt/domain-xml-update";
import { editPlan, liveFailedNote, type EditPlan, type EditRequest } from "@/lib/libvirt/domain-edit-ops";
import { isActive } from "@/lib/libvirt/vm-state";
import type { VmEditInput, VmEditNote, VmEditResult, VmHardwareResponse } from "@/lib/contracts/hardware";
import type { NicSpec } from "@/lib/contracts/provisioning";
import { provHost, vmAuditor, type ProvHost } from "./host-access";
import { provImageInspect } from "./plan";
import { hardwareDiff, hardwareView } from "./hardware-view";
import { isoVolumeCheck } from "./iso-check";
import { volumeDependents } from "./volume-dependents";
import { dependentsAny, dependentsDescribe } from "./volume-dependents-find";
import { liveStepCommand } from "./vm-edit-live";
import { nicsAuthorize } from "./resource-access";
import type { DeniedRequest } from "@/lib/authz";

/**
 * Hardware edits: read-modify-write of the inactive XML (one `virsh define`), then the same
 * change on the running guest where libvirt can do it live (setvcpus/setmem --live, device
 * hot-plug, CD-ROM media change, blockresize). What changes how is data: the edit table in
 * lib/libvirt/domain-edit-ops.ts; here is the host work around it. What could not be applied
 * live is reported as "after shutdown", and shows as a live-vs-persistent difference.
 */

function uuidOf(raw: string): string {
  const r = DomainUuidSchema.safeParse(raw);
  if (!r.success) throw new AppError("not_found", "VM not found");
  return r.data;
}

async function readBoth(h: ProvHost, uuid: string): Promise<{ live: string; inactive: string }> {
  const [live, inactive] = await domainXmlTry({ host: h, items: [{ uuid }, { uuid, inactive: true }] });
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
  return {
    hostId: h.host.id,
    uuid,
    name: vm.name,
    state: vm.state,
    running,
    template: vm.template,
    autostart: vm.autostart,
    bootMenu,
    live: l,
    persistent: p,
    pending: running ? hardwareDiff(l, p) : [],
  };
}

function randomMac(): string {
  const b = randomBytes(3);
  return `52:54:00:${[...b].map((x) => x.toString(16).padStart(2, "0")).join(":")}`;
}

/** A free volume name `<vm>-diskN.<fmt>` in the pool. */
async function freeVolumeName(h: ProvHost, pool: string, vm: string, format: string): Promise<string> {
  const taken = new Set((await volumeNames({ host: h, pool })).map((v) => v.name));
  for (let i = 1; ; i++) {
    const name = `${vm.replace(/[^A-Za-z0-9_.-]/g, "_")}-disk${i}.${format}`;
    if (!taken.has(name)) return name;
  }
}

/**
 * The volume behind a disk about to be removed together with it: its path, once nothing else can
 * lose data by its deletion. Refused (409, saying why) while the guest runs (it has the file open),
 * for CD-ROM media and files outside libvirt's pools, and while another VM uses the file (as a disk
 * or in a backing chain), a volume is backed by it, a template uses it as base image or a
 * create/clone task is still to read it (see volume-dependents.ts, the check VM deletion uses).
 */
async function removedVolumeCheck(
  h: ProvHost,
  uuid: string,
  vmName: string,
  running: boolean,
  inactive: string,
  target: string,
): Promise<{ path: string; capacityBytes: number }> {
  const disks = domainDisks(inactive);
  const disk = disks.find((d) => d.target === target);
  if (!disk) throw new AppError("invalid_input", `No disk ${target}`);
  if (disk.device !== "disk")
    throw new AppError(
      "invalid_input",
      `${target} is a ${disk.device} drive: its media is not deleted with it (remove the drive without deleting a volume)`,
    );
  if (running)
    throw new AppError(
      "invalid_state",
      `Shut ${vmName} down before deleting the volume of ${target}: the running guest has it open`,
    );
  const path = disk.path;
  if (!path?.startsWith("/"))
    throw new AppError("conflict", `Refusing to delete the volume of ${target}: it is not a file on the host`);
  const [vol] = await volumeXmlTry({ host: h, refs: [{ path }] });
  if (!vol.ok) throw new AppError("conflict", `Refusing to delete ${path}: it is not in a libvirt storage pool`);
  const twice = disks.filter((d) => d.target !== target && d.path === path).map((d) => d.target);
  if (twice.length)
    throw new AppError("conflict", `Refusing to delete ${path}: ${vmName} uses it as ${twice.join(", ")} too`);
  const deps = (await volumeDependents(h.host, [path], { exceptVm: uuid })).get(path)!;
  if (dependentsAny(deps)) {
    throw new AppError(
      "conflict",
      `Refusing to delete ${path}: it is used by ${dependentsDescribe(deps).join("; ")}. Nothing was changed; remove the disk without deleting its volume, or remove those first.`,
      {
        data: { vms: [...new Set(deps.vms.map((v) => v.name))], volumes: deps.volumes, templates: deps.templates },
      },
    );
  }
  return { path, capacityBytes: parseVolumeXml(vol.stdout).capacityBytes };
}

/** One edit in progress: the VM, its two XMLs, the quota change so far and the audit labels. */
interface EditRun {
  h: ProvHost;
  uuid: string;
  vm: { name: string; template: boolean };
  running: boolean;
  live: string;
  inactive: string;
  quota: VmResourceChange;
  changed: string[];
}

/**
 * Grows a disk's volume (blockresize on a running guest, vol-resize on a stopped one): not a
 * definition change, so not in the table. Growth counts against the quota like a new disk.
 */
async function diskResize(run: EditRun, xml: string, target: string, sizeMiB: number): Promise<VmEditNote> {
  const { h, uuid, running } = run;
  const disk = domainDisks(xml).find((d) => d.target === target && d.device === "disk");
  if (!disk?.path) throw new AppError("invalid_input", `No file-backed disk ${target}`);
  const bytes = sizeMiB * 1024 * 1024;
  // libvirt's vol-resize treats the volume as the format it probed: only when that is the
  // format the domain declares (a raw disk whose bytes became a qcow2 header is refused), and
  // the size is the one qemu-img reads as that format.
  const declared = disk.format === "raw" || disk.format === "qcow2" ? disk.format : null;
  if (!declared)
    throw new AppError(
      "invalid_state",
      `Disk ${disk.target} declares ${disk.format ? `format ${disk.format}` : "no format"}: only raw and qcow2 disks can be resized`,
    );
  const volXml = await volumeXmlGet({ host: h, ref: { path: disk.path } });
  const info = await provImageInspect(
    h,
    disk.path,
    declared,
    `disk ${disk.target} (${disk.path}, declared ${declared})`,
    { backingChain: true },
  );
  const probedFormat = parseVolumeXml(volXml).format;
  if (!running && probedFormat !== declared)
    throw new AppError(
      "invalid_state",
      `${disk.path}: libvirt reads it as ${probedFormat ?? "an unknown format"}, not the declared ${declared}; refresh its pool first`,
    );
  const cap = info.virtualSizeBytes;
  if (bytes < cap)
    throw new AppError("invalid_input", "Disks can only grow: shrinking would cut off the guest's file systems");
  const grow = bytesToGiB(bytes) - bytesToGiB(cap);
  if (grow > 0) {
    await quotaEditCheck(h.host.id, uuid, { diskGiBAdded: (run.quota.diskGiBAdded ?? 0) + grow });
    run.quota.diskGiBAdded = (run.quota.diskGiBAdded ?? 0) + grow;
  }
  if (running)
    await h.virsh({ command: "blockresize", args: [{ domain: uuid }, { arg: disk.path }, { arg: `${bytes}B` }] });
  else await h.virsh({ command: "vol-resize", args: [{ arg: disk.path }, { arg: `${bytes}b` }] });
  run.changed.push(`resize ${disk.target}`);
  return { key: "hwEdit.diskResized", params: { target: disk.target, mib: sizeMiB } };
}

/**
 * A new NIC on a libvirt network: the network must exist on the host, and be active when the guest
 * runs (libvirt refuses to plug a NIC into a stopped network, and the stored definition would keep a
 * NIC the guest never got). Checked before anything changes, so a refusal changes nothing.
 */
async function nicNetworkCheck(run: EditRun, nic: NicSpec): Promise<void> {
  if (nic.kind !== "network") return;
  const net = (await networkList({ host: run.h })).find((n) => n.name === nic.source);
  const refuse = (message: string) =>
    new AppError("invalid_input", `addNic.source: ${message}`, { issues: [{ path: "addNic.source", message }] });
  if (!net) throw refuse(`${run.h.host.name} has no network ${nic.source}`);
  if (run.running && !net.active)
    throw refuse(
      `the network ${nic.source} is not active: start it before adding a NIC on it to the running ${run.vm.name}`,
    );
}

/** The request for the table, before any host work: what the edit says, and a MAC for a new NIC. */
function editRequestOf(input: VmEditInput): EditRequest {
  const { addDisk, removeDisk, attachIso, addNic } = input;
  return {
    vcpus: input.vcpus,
    memoryMiB: input.memoryMiB,
    maxMemoryMiB: input.maxMemoryMiB,
    title: input.title,
    description: input.description,
    bootOrder: input.bootOrder,
    bootMenu: input.bootMenu,
    ejectIso: input.ejectIso,
    removeNic: input.removeNic,
    // A placeholder until the volume exists: the plan is first run to validate the whole edit.
    addDisk: addDisk && { path: "/dev/null", format: addDisk.format, bus: addDisk.bus, cache: addDisk.cache },
    removeDisk: removeDisk === undefined ? undefined : { target: removeDisk },
    attachIso: attachIso && { path: "/dev/null", volume: attachIso.volume },
    addNic: addNic && { ...addNic, mac: addNic.mac || randomMac() },
  };
}

/**
 * Host work before the definition changes: checks (the volume to delete, the ISO), then the new
 * disk's volume and a resize. Returns the request with real paths, and the note of a resize.
 */
async function editPrepare(run: EditRun, input: VmEditInput, request: EditRequest, checkedXml: string) {
  const { h, vm, running, inactive } = run;
  if (input.addNic) await nicNetworkCheck(run, input.addNic);
  // Checked before anything changes: the disk goes together with its volume, or nothing happens.
  const volumeToDelete =
    input.removeDisk && input.deleteRemovedVolume
      ? await removedVolumeCheck(h, run.uuid, vm.name, running, inactive, input.removeDisk)
      : undefined;
  // Only an ISO image that nothing else uses as a disk or base goes into a CD-ROM drive (iso-check.ts).
  const iso = input.attachIso ? await isoVolumeCheck(h, input.attachIso, "attachIso.volume") : undefined;
  const ready: EditRequest = { ...request };
  if (volumeToDelete) ready.removeDisk = { target: input.removeDisk!, deletedPath: volumeToDelete.path };
  if (iso) ready.attachIso = { path: iso.path, volume: input.attachIso!.volume };
  if (input.addDisk) {
    const d = input.addDisk;
    const name = await freeVolumeName(h, d.pool, vm.name, d.format);
    await h.virsh({
      command: "vol-create-as",
      args: [
        { arg: d.pool },
        { arg: name },
        { arg: `${d.sizeMiB * 1024 * 1024}b` },
        { option: "--format", value: d.format },
      ],
    });
    const [p] = await h.virsh({ command: "vol-path", args: [{ option: "--pool", value: d.pool }, { arg: name }] });
    ready.addDisk = { ...request.addDisk!, path: p.trim() };
  }
  const resized = input.resizeDisk
    ? await diskResize(run, checkedXml, input.resizeDisk.target, input.resizeDisk.sizeMiB)
    : undefined;
  return { request: ready, volumeToDelete, resized };
}

/** Saves the definition, deletes a removed disk's volume (or puts everything back), then tries the live steps. */
async function editApply(
  run: EditRun,
  plan: EditPlan,
  volumeToDelete: { path: string; capacityBytes: number } | undefined,
  result: VmEditResult,
): Promise<void> {
  const { h, uuid } = run;
  if (plan.xml !== run.inactive)
    await h.virshExec({ command: "define", args: [{ arg: "/dev/stdin" }] }, { stdin: plan.xml });
  if (volumeToDelete) {
    const [r] = await h.virshTry({ command: "vol-delete", args: [{ arg: volumeToDelete.path }] });
    if (!r.ok) {
      // Both or neither: the disk goes back into the definition (with the rest of this edit undone).
      await h.virshExec({ command: "define", args: [{ arg: "/dev/stdin" }] }, { stdin: run.inactive });
      throw new AppError(
        "action_failed",
        `${h.host.name}: deleting ${volumeToDelete.path} failed (${virshMessage(r.stderr)}); the disk stays in ${run.vm.name} and nothing was changed`,
      );
    }
    run.changed.push(`delete volume ${volumeToDelete.path}`);
    // The space is given back to the quota of the VM's creator.
    run.quota.diskGiBRemoved = bytesToGiB(volumeToDelete.capacityBytes);
  }
  for (const { message, step } of plan.liveSteps) {
    const { cmd, stdin } = liveStepCommand(uuid, step);
    try {
      if (stdin !== undefined) await h.virshExec(cmd, { stdin });
      else await h.virsh(cmd);
      result.live.push(message);
    } catch (err) {
      result.afterShutdown.push(liveFailedNote(message, err instanceof Error ? err.message : String(err)));
    }
  }
}

/** Runs an edit: validate, host work, then the edit table's plan for a running or stopped guest. */
async function editRun(run: EditRun, input: VmEditInput): Promise<VmEditResult> {
  const { h, uuid, vm, running } = run;
  if (input.autostart && vm.template)
    throw new AppError("invalid_state", `${vm.name} is a template: it never starts, also not at boot`);
  const ctx = { live: run.live, running };
  // The whole edit is checked (pure) before the host changes anything.
  const request = editRequestOf(input);
  const checked = editPlan(run.inactive, request, ctx);
  const prepared = await editPrepare(run, input, request, checked.xml);
  const plan = editPlan(run.inactive, prepared.request, ctx);
  run.changed.push(...plan.changes);
  const result: VmEditResult = {
    live: [...plan.applied, ...(prepared.resized ? [prepared.resized] : [])],
    afterShutdown: [...plan.afterShutdown],
  };
  await editApply(run, plan, prepared.volumeToDelete, result);
  if (input.autostart !== undefined) {
    await h.virsh({
      command: "autostart",
      args: input.autostart ? [{ domain: uuid }] : [{ domain: uuid }, { flag: "--disable" }],
    });
    result.live.push({ key: "hwEdit.autostart", params: { state: input.autostart ? "on" : "off" } });
    run.changed.push("autostart");
  }
  return result;
}

export async function vmHardwareEdit(
  caller: Caller,
  hostId: string,
  rawUuid: string,
  input: VmEditInput,
): Promise<VmEditResult> {
  const uuid = uuidOf(rawUuid);
  const h = await provHost(hostId);
  const inv = await inventoryGet(h.host.id, { maxAgeMs: 0 });
  const vm = inv.vms.find((v) => v.uuid === uuid);
  if (!vm) throw new AppError("not_found", "VM not found");
  const audit = vmAuditor(caller, h, "vm.edit", { uuid, name: vm.name });
  // Growth counts against the quota of the VM's creator (lib/provisioning/quota.ts).
  const quota: VmResourceChange = {
    vcpus: input.vcpus,
    memoryMiB: input.memoryMiB,
    diskGiBAdded: input.addDisk ? bytesToGiB(input.addDisk.sizeMiB * 1024 * 1024) : 0,
  };
  const run: EditRun = { h, uuid, vm, running: isActive(vm.state), live: "", inactive: "", quota, changed: [] };
  let result: VmEditResult;
  try {
    await quotaEditCheck(h.host.id, uuid, quota);
    Object.assign(run, await readBoth(h, uuid));
    result = await editRun(run, input);
  } catch (err) {
    await audit("failure", { changes: run.changed, error: err instanceof Error ? err.message : String(err) });
    if (err instanceof DomainEditError) throw new AppError("invalid_input", err.message);
    throw err;
  } finally {
    inventoryInvalidate(h.host.id, [vm.name]);
  }
  await quotaEditApply(h.host.id, uuid, quota);
  await audit("success", { changes: run.changed, live: result.live, afterShutdown: result.afterShutdown });
  const after =
    (await inventoryGet(h.host.id, { maxAgeMs: 0 }).catch(() => null))?.vms.find((v) => v.uuid === uuid) ?? null;
  if (after) eventsVmPublish(h.host.id, uuid, after);
  return result;
}

/**
 * PATCH /hardware: the edit once its own privileges are held (vm.edit on the VM is the route's;
 * a NIC on a host bridge also needs network.manage on the host), then the hardware as it is now.
 */
export async function vmHardwareEditAuthorized(
  caller: Caller,
  hostId: string,
  rawUuid: string,
  input: VmEditInput,
  request: DeniedRequest,
): Promise<{ result: VmEditResult; hardware: VmHardwareResponse }> {
  if (input.addNic) await nicsAuthorize(caller.principal, { hostId, vmUuid: rawUuid }, [input.addNic], request);
  const result = await vmHardwareEdit(caller, hostId, rawUuid, input);
  return { result, hardware: await vmHardware(hostId, rawUuid) };
}
