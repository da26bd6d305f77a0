import { z } from "zod";

/**
 * Virtual networks: the create request (validated here, on the server and in the browser) and the
 * wire types of the networks API. Pure zod, nothing server-only. Every address, prefix, range and
 * MAC is checked for consistency before libvirt sees it; each error names its field (zod path).
 * https://libvirt.org/formatnetwork.html
 */

/** Forward modes the create wizard offers. `isolated` is a network without <forward>. */
export const NETWORK_FORWARD_MODES = ["nat", "route", "isolated", "open", "bridge", "macvtap"] as const;
export type NetworkForwardMode = (typeof NETWORK_FORWARD_MODES)[number];
/** <forward mode> of a macvtap (direct) network. */
export const MACVTAP_MODES = ["bridge", "private", "vepa", "passthrough"] as const;
export type MacvtapMode = (typeof MACVTAP_MODES)[number];

/** Network names: what virsh accepts as a positional and a person would type (no quotes, spaces, ;, leading -). */
export const NetworkNameSchema = z
  .string({ error: "a network name is required" })
  .min(1, "a network name is required")
  .max(64, "at most 64 characters")
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/, "network names use letters, digits and _ . + - (no spaces or quotes)");

/** Host interface / bridge names as Linux allows them (IFNAMSIZ 16, no slash, no blank). */
export const InterfaceNameSchema = z
  .string()
  .min(1, "an interface name is required")
  .max(15, "at most 15 characters")
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/, "interface names use letters, digits and _ . : -");

const DomainNameSchema = z
  .string()
  .max(253)
  .regex(
    /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/,
    "not a DNS domain name",
  );

const MacSchema = z
  .string()
  .regex(/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/, "a MAC address looks like 52:54:00:12:34:56")
  .transform((s) => s.toLowerCase());

const HostNameSchema = z
  .string()
  .max(63)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/, "host names use letters, digits and - (no dots)");

// ---- address arithmetic (IPv4 as number, IPv6 as bigint) ----

const V4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function ipv4ToBig(s: string): bigint | null {
  if (!V4_RE.test(s)) return null;
  return s.split(".").reduce((n, o) => (n << 8n) | BigInt(Number(o)), 0n);
}

export function ipv6ToBig(s: string): bigint | null {
  if (!/^[0-9A-Fa-f:]+$/.test(s) || s.includes(":::")) return null;
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const part = (h: string) => (h === "" ? [] : h.split(":"));
  const head = part(halves[0]!);
  const tail = halves.length === 2 ? part(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (groups.some((g) => !/^[0-9A-Fa-f]{1,4}$/.test(g))) return null;
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

export type IpFamily = "ipv4" | "ipv6";
const BITS: Record<IpFamily, number> = { ipv4: 32, ipv6: 128 };
const toBig = (family: IpFamily, s: string) => (family === "ipv4" ? ipv4ToBig(s) : ipv6ToBig(s));

/** First and last address of address/prefix. */
export function subnetBounds(
  family: IpFamily,
  address: string,
  prefix: number,
): { first: bigint; last: bigint } | null {
  const a = toBig(family, address);
  if (a === null) return null;
  const hostBits = BigInt(BITS[family] - prefix);
  const first = (a >> hostBits) << hostBits;
  return { first, last: first + (1n << hostBits) - 1n };
}

// ---- the create request ----

const RangeSchema = z.object({ start: z.string().trim(), end: z.string().trim() });
const StaticHostSchema = z.object({ mac: MacSchema, ip: z.string().trim(), name: HostNameSchema.optional() });

export const NetworkIpSchema = z.object({
  family: z.enum(["ipv4", "ipv6"]),
  address: z.string().trim(),
  prefix: z.number({ error: "a prefix is required" }).int("a whole number"),
  dhcp: RangeSchema.optional(),
  hosts: z.array(StaticHostSchema).max(256).default([]),
});
export type NetworkIpSpec = z.input<typeof NetworkIpSchema>;

const NetworkSpecBase = z.object({
  name: NetworkNameSchema,
  forwardMode: z.enum(NETWORK_FORWARD_MODES),
  /** nat/route/isolated/open: the bridge libvirt creates (optional). bridge: the existing host bridge. */
  bridge: InterfaceNameSchema.optional(),
  /** nat/route: the host interface traffic leaves by (optional). macvtap: the physical interface. */
  dev: InterfaceNameSchema.optional(),
  macvtapMode: z.enum(MACVTAP_MODES).default("bridge"),
  mtu: z.number().int("a whole number").min(68, "at least 68").max(65535, "at most 65535").optional(),
  domain: DomainNameSchema.optional(),
  ips: z.array(NetworkIpSchema).max(8).default([]),
  autostart: z.boolean().default(false),
  start: z.boolean().default(false),
});

type Issue = { path: (string | number)[]; message: string };

function ipIssues(ip: z.infer<typeof NetworkIpSchema>, i: number): Issue[] {
  const out: Issue[] = [];
  const at = (...p: (string | number)[]) => ["ips", i, ...p];
  const addr = toBig(ip.family, ip.address);
  if (addr === null)
    return [{ path: at("address"), message: `not an ${ip.family === "ipv4" ? "IPv4" : "IPv6"} address` }];
  const min = 8;
  const max = ip.family === "ipv4" ? 30 : 126;
  if (ip.prefix < min || ip.prefix > max) return [{ path: at("prefix"), message: `a prefix from ${min} to ${max}` }];
  const net = subnetBounds(ip.family, ip.address, ip.prefix)!;
  const inside = (v: bigint) => v > net.first && v < net.last;
  if (!inside(addr))
    out.push({ path: at("address"), message: "the host address cannot be the network or broadcast address" });
  const check = (value: string, p: (string | number)[]): bigint | null => {
    const v = toBig(ip.family, value);
    if (v === null) out.push({ path: at(...p), message: "not an address of this family" });
    else if (!inside(v)) out.push({ path: at(...p), message: `outside ${ip.address}/${ip.prefix}` });
    else if (v === addr) out.push({ path: at(...p), message: "the network's own address" });
    else return v;
    return null;
  };
  if (ip.dhcp) {
    const s = check(ip.dhcp.start, ["dhcp", "start"]);
    const e = check(ip.dhcp.end, ["dhcp", "end"]);
    if (s !== null && e !== null && s > e)
      out.push({ path: at("dhcp", "end"), message: "the range ends before it starts" });
  }
  if (ip.family === "ipv6" && ip.hosts.length)
    out.push({ path: at("hosts"), message: "static hosts by MAC are IPv4 only" });
  const macs = new Set<string>();
  const ips = new Set<bigint>();
  ip.hosts.forEach((h, j) => {
    if (macs.has(h.mac)) out.push({ path: at("hosts", j, "mac"), message: "this MAC is already listed" });
    macs.add(h.mac);
    const v = check(h.ip, ["hosts", j, "ip"]);
    if (v !== null && ips.has(v)) out.push({ path: at("hosts", j, "ip"), message: "this address is already listed" });
    if (v !== null) ips.add(v);
  });
  return out;
}

function specIssues(s: z.infer<typeof NetworkSpecBase>): Issue[] {
  const out: Issue[] = [];
  const routed = s.forwardMode === "nat" || s.forwardMode === "route" || s.forwardMode === "open";
  if (s.forwardMode === "bridge" && !s.bridge)
    out.push({ path: ["bridge"], message: "the host bridge to attach to is required" });
  if (s.forwardMode === "macvtap" && !s.dev) out.push({ path: ["dev"], message: "the host interface is required" });
  if (s.dev && !(s.forwardMode === "macvtap" || s.forwardMode === "nat" || s.forwardMode === "route"))
    out.push({ path: ["dev"], message: "only NAT, routed and macvtap networks take an interface" });
  if (s.forwardMode === "bridge" || s.forwardMode === "macvtap") {
    if (s.ips.length)
      out.push({ path: ["ips"], message: "bridged and macvtap networks have no addresses of their own" });
    if (s.domain) out.push({ path: ["domain"], message: "bridged and macvtap networks have no DNS of their own" });
    if (s.forwardMode === "macvtap" && s.bridge)
      out.push({ path: ["bridge"], message: "a macvtap network has no bridge" });
  } else if (routed && !s.ips.length) {
    out.push({ path: ["ips"], message: "a NAT, routed or open network needs an address" });
  }
  s.ips.forEach((ip, i) => out.push(...ipIssues(ip, i)));
  // No two subnets of the same family overlap; at most one DHCP range per family (libvirt's rule).
  const bounds = s.ips.map((ip) => subnetBounds(ip.family, ip.address, ip.prefix));
  s.ips.forEach((ip, i) => {
    const b = bounds[i];
    if (!b) return;
    for (let j = 0; j < i; j++) {
      const o = bounds[j];
      if (o && s.ips[j]!.family === ip.family && b.first <= o.last && o.first <= b.last)
        out.push({ path: ["ips", i, "address"], message: `overlaps ${s.ips[j]!.address}/${s.ips[j]!.prefix}` });
    }
    if (ip.dhcp && s.ips.slice(0, i).some((o) => o.family === ip.family && o.dhcp))
      out.push({ path: ["ips", i, "dhcp"], message: "only one DHCP range per address family" });
  });
  return out;
}

export const NetworkSpecSchema = NetworkSpecBase.superRefine((s, ctx) => {
  for (const issue of specIssues(s)) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
});
export type NetworkSpec = z.infer<typeof NetworkSpecSchema>;
export type NetworkSpecInput = z.input<typeof NetworkSpecSchema>;

/** Start, stop, or set autostart of a network (POST /api/hosts/:id/networks/:network). */
export const NetworkActionSchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("start") }),
  /** `force`: stop it even while running VMs use it (they lose connectivity); refused otherwise, naming them. */
  z.object({ action: z.literal("stop"), force: z.boolean().optional() }),
  z.object({ action: z.literal("autostart"), autostart: z.boolean() }),
]);
export type NetworkAction = z.infer<typeof NetworkActionSchema>;

// ---- wire types of the API ----

export const NetworkIpViewSchema = z.object({
  family: z.enum(["ipv4", "ipv6"]),
  address: z.string(),
  prefix: z.number().nullable(),
  dhcpRanges: z.array(z.object({ start: z.string(), end: z.string() })),
  hosts: z.array(z.object({ mac: z.string().nullable(), ip: z.string(), name: z.string().nullable() })),
});

export const NetworkViewSchema = z.object({
  hostId: z.string(),
  hostName: z.string(),
  name: z.string(),
  uuid: z.string().nullable(),
  active: z.boolean(),
  autostart: z.boolean(),
  persistent: z.boolean(),
  /** nat | route | open | bridge | private | vepa | passthrough | ...; null: isolated. */
  forwardMode: z.string().nullable(),
  bridge: z.string().nullable(),
  /** <forward dev>: the host interface a NAT/routed network leaves by. */
  dev: z.string().nullable(),
  devices: z.array(z.string()),
  mtu: z.number().nullable(),
  domain: z.string().nullable(),
  ips: z.array(NetworkIpViewSchema),
  leaseCount: z.number().nullable(),
});
export type NetworkView = z.infer<typeof NetworkViewSchema>;

export const NetworkLeaseSchema = z.object({
  expiry: z.string(),
  mac: z.string(),
  family: z.string(),
  address: z.string(),
  prefix: z.number().nullable(),
  hostname: z.string().nullable(),
  clientId: z.string().nullable(),
});
export type NetworkLease = z.infer<typeof NetworkLeaseSchema>;

export const DomainAddressSchema = z.object({
  interface: z.string(),
  mac: z.string().nullable(),
  family: z.string(),
  address: z.string(),
  prefix: z.number().nullable(),
});
export type DomainAddress = z.infer<typeof DomainAddressSchema>;
