import "server-only";
import type { Element } from "@xmldom/xmldom";
import { attr, child, children, int, kib, LibvirtParseError, parseXmlRoot, text, yesNo } from "./xml";

/*
 * `virsh dumpxml` -> DomainWire: what libvirt says, reshaped as little as possible. App types
 * (Vm) are built from this elsewhere. Element reference: https://libvirt.org/formatdomain.html
 */

export type DomainType = "kvm" | "qemu" | (string & {});

export interface DiskWire {
  /** file | block | volume | network | dir */
  type: string;
  /** disk | cdrom | floppy | lun */
  device: string;
  source: {
    file?: string;
    dev?: string;
    pool?: string;
    volume?: string;
    protocol?: string;
    name?: string;
  } | null;
  target: { dev: string; bus?: string };
  driver: { name?: string; format?: string; cache?: string };
  readonly: boolean;
  bootOrder?: number;
}

export interface InterfaceWire {
  /** network | bridge | direct | user | ... */
  type: string;
  mac?: string;
  source: { network?: string; bridge?: string; dev?: string; portgroup?: string } | null;
  model?: string;
  /** Host-side device (vnet0) of a running guest. */
  targetDev?: string;
  linkState?: string;
  bootOrder?: number;
}

export interface GraphicsListenWire {
  /** address | network | socket | none */
  type: string;
  address?: string;
  network?: string;
  socket?: string;
}

export interface GraphicsWire {
  /** vnc | spice | rdp | sdl | egl-headless | dbus */
  type: string;
  /** The allocated port of a running guest; undefined when not (yet) allocated (-1 in XML). */
  port?: number;
  tlsPort?: number;
  websocket?: number;
  autoport: boolean;
  /** Legacy listen attribute; mirrors the first <listen type='address'>. */
  listen?: string;
  listens: GraphicsListenWire[];
  /** libvirt only shows passwd with --security-info; presence matters, not the value. */
  hasPassword: boolean;
}

export interface CharDeviceWire {
  /** pty | file | unix | tcp | udp | null | ... */
  type: string;
  /** pty path of a running guest, log file, socket path. */
  sourcePath?: string;
  targetType?: string;
  targetPort?: number;
}

export interface DomainWire {
  /** Runtime id of a running domain. */
  id?: number;
  name: string;
  uuid: string;
  title?: string;
  description?: string;
  type: DomainType;
  os: {
    type: string;
    arch?: string;
    machine?: string;
    /** <os><boot dev=.../> in order; per-device <boot order> is on the device. */
    bootDevices: string[];
    firmware?: string;
    kernel?: string;
  };
  vcpu: { current: number; max: number };
  memoryKiB: number;
  currentMemoryKiB: number;
  disks: DiskWire[];
  interfaces: InterfaceWire[];
  graphics: GraphicsWire[];
  serials: CharDeviceWire[];
  consoles: CharDeviceWire[];
  /**
   * The QEMU guest agent channel (`org.qemu.guest_agent.0`), when the domain has one; in live XML
   * `state` says whether an agent in the guest is connected to it ("connected" / "disconnected").
   */
  guestAgent?: { state?: string };
  /** libosinfo OS id, e.g. http://debian.org/debian/12, when the creator recorded one. */
  osinfoId?: string;
  /** Set when virtdeck marked this domain as a template (never started): the template id. */
  templateId?: string;
}

const LIBOSINFO_NS = "http://libosinfo.org/xmlns/libvirt/domain/1.0";
/** virtdeck's own metadata namespace (lib/libvirt/domain-xml-create.ts VIRTDECK_XMLNS). */
const VIRTDECK_NS = "https://virtdeck.dev/xmlns/domain/1";

export function parseDomainXml(xml: string): DomainWire {
  const domain = parseXmlRoot(xml, "domain");
  const name = text(child(domain, "name"));
  const uuid = text(child(domain, "uuid"))?.trim().toLowerCase();
  if (!name) throw new LibvirtParseError("domain", "missing <name>");
  if (!uuid) throw new LibvirtParseError("domain", "missing <uuid>");

  const vcpuEl = child(domain, "vcpu");
  const maxVcpus = int(text(vcpuEl)) ?? 1;
  const memoryKiB = kib(child(domain, "memory"));
  if (memoryKiB === undefined) throw new LibvirtParseError("domain", "missing <memory>");
  const devices = child(domain, "devices");
  const os = child(domain, "os");
  const id = int(attr(domain, "id"));

  const osType = child(os, "type");
  const metadata = child(domain, "metadata");
  return {
    ...stripUndefined({
      id: id !== undefined && id >= 0 ? id : undefined,
    }),
    name,
    uuid,
    ...stripUndefined({
      title: text(child(domain, "title")),
      description: text(child(domain, "description")),
    }),
    type: attr(domain, "type") ?? "",
    os: {
      type: text(osType)?.trim() ?? "",
      ...stripUndefined({
        arch: attr(osType, "arch"),
        machine: attr(osType, "machine"),
        firmware: attr(os, "firmware"),
        kernel: text(child(os, "kernel"))?.trim(),
      }),
      bootDevices: children(os, "boot")
        .map((b) => attr(b, "dev"))
        .filter((d): d is string => d !== undefined),
    },
    vcpu: { current: int(attr(vcpuEl, "current")) ?? maxVcpus, max: maxVcpus },
    memoryKiB,
    currentMemoryKiB: kib(child(domain, "currentMemory")) ?? memoryKiB,
    disks: children(devices, "disk").map(parseDisk),
    interfaces: children(devices, "interface").map(parseInterface),
    graphics: children(devices, "graphics").map(parseGraphics),
    serials: children(devices, "serial").map(parseCharDevice),
    consoles: children(devices, "console").map(parseCharDevice),
    ...stripUndefined({
      guestAgent: guestAgentChannel(devices),
      osinfoId: attr(child(child(metadata, "libosinfo", LIBOSINFO_NS), "os", LIBOSINFO_NS), "id"),
      templateId: (() => {
        const mark = child(metadata, "template", VIRTDECK_NS);
        return mark ? (attr(mark, "id") ?? "") : undefined;
      })(),
    }),
  };
}

function bootOrder(device: Element): number | undefined {
  return int(attr(child(device, "boot"), "order"));
}

function parseDisk(disk: Element): DiskWire {
  const source = child(disk, "source");
  const driver = child(disk, "driver");
  const target = child(disk, "target");
  return {
    type: attr(disk, "type") ?? "file",
    device: attr(disk, "device") ?? "disk",
    source: source
      ? stripUndefined({
          file: attr(source, "file"),
          dev: attr(source, "dev"),
          pool: attr(source, "pool"),
          volume: attr(source, "volume"),
          protocol: attr(source, "protocol"),
          name: attr(source, "name"),
        })
      : null,
    target: { dev: attr(target, "dev") ?? "", ...stripUndefined({ bus: attr(target, "bus") }) },
    driver: stripUndefined({ name: attr(driver, "name"), format: attr(driver, "type"), cache: attr(driver, "cache") }),
    readonly: child(disk, "readonly") !== undefined,
    ...stripUndefined({ bootOrder: bootOrder(disk) }),
  };
}

function parseInterface(iface: Element): InterfaceWire {
  const source = child(iface, "source");
  return {
    type: attr(iface, "type") ?? "",
    ...stripUndefined({
      mac: attr(child(iface, "mac"), "address")?.toLowerCase(),
      model: attr(child(iface, "model"), "type"),
      targetDev: attr(child(iface, "target"), "dev"),
      linkState: attr(child(iface, "link"), "state"),
      bootOrder: bootOrder(iface),
    }),
    source: source
      ? stripUndefined({
          network: attr(source, "network"),
          bridge: attr(source, "bridge"),
          dev: attr(source, "dev"),
          portgroup: attr(source, "portgroup"),
        })
      : null,
  };
}

function port(value: string | undefined): number | undefined {
  const n = int(value);
  return n !== undefined && n > 0 ? n : undefined;
}

function parseGraphics(g: Element): GraphicsWire {
  const listens = children(g, "listen").map(
    (l) =>
      stripUndefined({
        type: attr(l, "type") ?? "address",
        address: attr(l, "address"),
        network: attr(l, "network"),
        socket: attr(l, "socket"),
      }) as GraphicsListenWire,
  );
  return {
    type: attr(g, "type") ?? "",
    ...stripUndefined({
      port: port(attr(g, "port")),
      tlsPort: port(attr(g, "tlsPort")),
      websocket: port(attr(g, "websocket")),
      listen: attr(g, "listen"),
    }),
    autoport: yesNo(attr(g, "autoport")) ?? false,
    listens,
    hasPassword: attr(g, "passwd") !== undefined,
  };
}

const GUEST_AGENT_CHANNEL = "org.qemu.guest_agent.0";

function guestAgentChannel(devices: Element | undefined): { state?: string } | undefined {
  const target = children(devices, "channel")
    .map((c) => child(c, "target"))
    .find((t) => attr(t, "type") === "virtio" && attr(t, "name") === GUEST_AGENT_CHANNEL);
  if (!target) return undefined;
  return stripUndefined({ state: attr(target, "state") });
}

function parseCharDevice(c: Element): CharDeviceWire {
  const target = child(c, "target");
  return {
    type: attr(c, "type") ?? "",
    ...stripUndefined({
      sourcePath: attr(child(c, "source"), "path") ?? attr(c, "tty"),
      targetType: attr(target, "type"),
      targetPort: int(attr(target, "port")),
    }),
  };
}

/** Drops undefined keys so fixtures compare cleanly and JSON stays small. */
function stripUndefined<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
