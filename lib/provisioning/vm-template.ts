import "server-only";
import { domainDefine, domainLifecycleTry, domainXmlGet } from "@/lib/virt/domain";
import { volumePathsTry } from "@/lib/virt/storage-volume";
import { AppError } from "@/lib/http/errors";
import type { Caller } from "@/lib/authz/caller";
import { inventoryGet, inventoryInvalidate } from "@/lib/fleet/inventory";
import { eventsVmPublish } from "@/lib/fleet/events";
import { parseDomainXml } from "@/lib/libvirt/domain-xml-parse";
import { domainDisks, domainMarkTemplate, domainTemplateMark } from "@/lib/libvirt/domain-xml-update";
import { isActive } from "@/lib/libvirt/vm-state";
import { templateCreate, templateDelete, templateGet } from "@/lib/templates/templates";
import { TemplateInputSchema, type TemplateView } from "@/lib/contracts/provisioning";
import { provHost, vmAuditor } from "./host-access";
import { volumeDependents } from "./volume-dependents";
import { dependentsAny, dependentsDescribe, dependentVmNames } from "./volume-dependents-find";
import { uuidOf, vmState, diskVolumes, declaredDiskFormat, MiB } from "./vm-clone";

/**
 * Turns a shut-off VM into a template: the VM is marked (virtdeck never starts it again, and
 * autostart goes off) and a template record points at its first disk as the base image.
 */
export async function vmToTemplate(
  caller: Caller,
  hostId: string,
  rawUuid: string,
  input: { templateName: string; description: string },
): Promise<{ template: TemplateView }> {
  const uuid = uuidOf(rawUuid);
  const h = await provHost(hostId);
  const src = await vmState(h, uuid);
  if (src.template) throw new AppError("conflict", `${src.name} is a template already`);
  if (isActive(src.state as never))
    throw new AppError("invalid_state", `Shut ${src.name} down first: a template's disk must not change`);
  const xml = await domainXmlGet({ host: h, uuid, inactive: true });
  const d = parseDomainXml(xml);
  const vols = await diskVolumes(h, xml);
  if (!vols.length) throw new AppError("invalid_state", `${src.name} has no disk to use as a base image`);
  const bus = (b: string | undefined) => (b === "virtio" || b === "sata" || b === "scsi" || b === "ide" ? b : "virtio");
  const spec = TemplateInputSchema.parse({
    name: input.templateName,
    description: input.description,
    osVariant: "",
    vcpus: d.vcpu.max,
    memoryMiB: Math.max(16, Math.round(d.currentMemoryKiB / 1024)),
    maxMemoryMiB: Math.max(16, Math.round(d.memoryKiB / 1024), Math.round(d.currentMemoryKiB / 1024)),
    cpuMode: "host-model",
    firmware: d.os.firmware === "efi" ? "uefi" : "bios",
    machineType: "",
    domainType: d.type === "kvm" || d.type === "qemu" ? d.type : "auto",
    disks: vols.map((v) => ({
      sizeMiB: Math.max(1, Math.ceil(v.volume.capacityBytes / MiB)),
      format: declaredDiskFormat(v.disk),
      bus: bus(v.disk.bus),
      cache: "default",
      pool: v.pool,
    })),
    nics: d.interfaces
      .filter((n) => (n.type === "network" && n.source?.network) || (n.type === "bridge" && n.source?.bridge))
      .map((n) => ({
        kind: n.type,
        source: n.type === "network" ? n.source!.network : n.source!.bridge,
        model: n.model === "e1000" ? "e1000" : "virtio",
        mac: "",
      })),
    graphics: d.graphics[0]?.type === "spice" ? "spice" : d.graphics[0]?.type === "vnc" ? "vnc" : "none",
    serialConsole: d.serials.length > 0,
    source: { kind: "image", pool: vols[0].pool, volume: vols[0].volume.name },
    defaultHostId: h.host.id,
  });
  const template = await templateCreate(caller, spec);
  try {
    await domainDefine({ host: h, xml: domainMarkTemplate(xml, template.id) });
    await domainLifecycleTry({ host: h, uuid, verb: "autostart", flags: ["--disable"] });
  } catch (err) {
    await templateDelete(caller, template.id, { unchecked: true }).catch(() => {});
    throw err;
  }
  inventoryInvalidate(h.host.id, [src.name]);
  await vmAuditor(caller, h, "vm.to-template", { uuid, name: src.name })("success", {
    templateId: template.id,
    templateName: template.name,
  });
  eventsVmPublish(
    h.host.id,
    uuid,
    (await inventoryGet(h.host.id, { maxAgeMs: 0 })).vms.find((v) => v.uuid === uuid) ?? null,
  );
  return { template };
}

export interface VmUnmarkResult {
  /** The template record the mark named, and what became of it. */
  template: { id: string; name: string; deleted: boolean } | null;
}

/**
 * Undoes vmToTemplate: the VM may start again. Refused (409, naming them) while anything still
 * reads its disks: other VMs (linked clones, directly or further down a backing chain), overlay
 * volumes no VM uses any more, other template records using a disk as their base image, and
 * create/clone tasks not yet finished; once the VM runs, its disks change under all of them.
 *
 * The template record the mark names is deleted, not kept: it was made by the conversion, its base
 * image is this VM's disk, and a record left behind would deploy new linked clones on a disk that
 * now changes. Only a record that no longer uses one of the VM's disks (edited since to another
 * image) is kept, as it no longer depends on this VM. Mark first off, then the record: if deleting
 * the record fails, the mark is written back.
 */
export async function vmUnmarkTemplate(caller: Caller, hostId: string, rawUuid: string): Promise<VmUnmarkResult> {
  const uuid = uuidOf(rawUuid);
  const h = await provHost(hostId);
  const src = await vmState(h, uuid);
  const audit = vmAuditor(caller, h, "vm.unmark-template", { uuid, name: src.name });
  if (!src.template) throw new AppError("conflict", `${src.name} is not a template`);
  const xml = await domainXmlGet({ host: h, uuid, inactive: true });
  const templateId = domainTemplateMark(xml);
  const record = templateId ? await templateGet(templateId).catch(() => null) : null;
  const paths = domainDisks(xml)
    .filter((d) => d.device === "disk" && d.path?.startsWith("/"))
    .map((d) => d.path!);
  const deps = await volumeDependents(h.host, paths, {
    exceptVm: uuid,
    exceptPaths: paths,
    exceptTemplateId: record?.id ?? null,
  });
  const blocking = paths.filter((p) => dependentsAny(deps.get(p)!));
  if (blocking.length) {
    const parts = blocking.map((p) => `${p} is read by ${dependentsDescribe(deps.get(p)!).join("; ")}`);
    const vms = dependentVmNames(blocking.map((p) => deps.get(p)!));
    await audit("failure", { reason: "in_use", vms, disks: blocking });
    throw new AppError(
      "conflict",
      `${src.name} cannot stop being a template: its disks must not change while others read them. ${parts.join(". ")}. Delete ${vms.length ? "those VMs" : "them"} first, or make a full clone of ${src.name} instead.`,
      { data: { vms, disks: blocking } },
    );
  }
  // The record made by the conversion names one of this VM's disks (in the pool its disk is in) as base image.
  let ownRecord = false;
  if (record && record.source.kind === "image") {
    const src0 = record.source;
    const [p] = await volumePathsTry({ host: h, refs: [{ pool: src0.pool, name: src0.volume }] });
    ownRecord = p.ok && paths.includes(p.stdout.trim());
  }
  await domainDefine({ host: h, xml: domainMarkTemplate(xml, null) });
  if (record && ownRecord) {
    try {
      await templateDelete(caller, record.id, { unchecked: true });
    } catch (err) {
      await domainDefine({ host: h, xml }).catch(() => {});
      inventoryInvalidate(h.host.id, [src.name]);
      await audit("failure", {
        reason: "template_record",
        templateId: record.id,
        error: err instanceof Error ? err.message : String(err),
      });
      throw err;
    }
  }
  inventoryInvalidate(h.host.id, [src.name]);
  const template = record ? { id: record.id, name: record.name, deleted: ownRecord } : null;
  await audit("success", {
    templateId: templateId ?? null,
    templateName: record?.name ?? null,
    templateDeleted: ownRecord,
  });
  eventsVmPublish(
    h.host.id,
    uuid,
    (await inventoryGet(h.host.id, { maxAgeMs: 0 })).vms.find((v) => v.uuid === uuid) ?? null,
  );
  return { template };
}
