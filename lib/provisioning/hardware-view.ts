import "server-only";
import type { DomainWire } from "@/lib/libvirt/domain-xml-parse";
import type { HardwareDiff, HardwareView } from "@/lib/contracts/hardware";

/** The editable hardware of one domain definition (live or persistent). */
export function hardwareView(d: DomainWire): HardwareView {
  return {
    vcpus: d.vcpu.current,
    maxVcpus: d.vcpu.max,
    memoryMiB: Math.round(d.currentMemoryKiB / 1024),
    maxMemoryMiB: Math.round(d.memoryKiB / 1024),
    title: d.title ?? "",
    description: d.description ?? "",
    bootOrder: d.os.bootDevices,
    disks: d.disks.map((x) => ({
      target: x.target.dev,
      device: x.device,
      bus: x.target.bus ?? "",
      format: x.driver.format ?? "",
      source: x.source?.file ?? x.source?.dev ?? (x.source?.volume ? `${x.source.pool}/${x.source.volume}` : ""),
    })),
    nics: d.interfaces.map((n) => ({
      mac: n.mac ?? "",
      kind: n.type,
      source: n.source?.network ?? n.source?.bridge ?? n.source?.dev ?? "",
      model: n.model ?? "",
    })),
  };
}

const show = (v: unknown) =>
  Array.isArray(v)
    ? v.map((x) => (typeof x === "object" ? Object.values(x as object).join(" ") : String(x))).join(", ")
    : String(v);

/** Fields whose persistent value differs from the running one: they apply after the next shutdown. */
export function hardwareDiff(live: HardwareView, persistent: HardwareView): HardwareDiff[] {
  const out: HardwareDiff[] = [];
  for (const key of [
    "vcpus",
    "maxVcpus",
    "memoryMiB",
    "maxMemoryMiB",
    "title",
    "description",
    "bootOrder",
    "disks",
    "nics",
  ] as const) {
    const a = show(live[key]);
    const b = show(persistent[key]);
    if (a !== b) out.push({ field: key, live: a, persistent: b });
  }
  return out;
}
