import "server-only";

/** One line of `virsh net-dhcp-leases <network>`. */
export interface LeaseWire {
  expiry: string;
  mac: string;
  family: string;
  address: string;
  prefix: number | null;
  hostname: string | null;
  clientId: string | null;
}

/** One address of `virsh domifaddr <domain> --source lease|agent|arp`. */
export interface DomainAddressWire {
  interface: string;
  mac: string | null;
  family: string;
  address: string;
  prefix: number | null;
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
const dash = (s: string | undefined) => (s === undefined || s === "-" ? null : s);

function splitAddress(s: string): { address: string; prefix: number | null } {
  const slash = s.lastIndexOf("/");
  if (slash < 0) return { address: s, prefix: null };
  const p = Number(s.slice(slash + 1));
  return { address: s.slice(0, slash), prefix: Number.isInteger(p) ? p : null };
}

/**
 * Table output of net-dhcp-leases (header and rule skipped, with or without -q):
 *   " 2026-12-07 08:10:00   52:54:00:12:34:56   ipv4   192.168.100.23/24   guest   01:52:54:00:12:34:56"
 */
export function parseNetDhcpLeases(out: string): LeaseWire[] {
  const leases: LeaseWire[] = [];
  for (const line of out.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5 || !/^\d{4}-\d{2}-\d{2}$/.test(f[0]!) || !MAC_RE.test(f[2]!)) continue;
    leases.push({
      expiry: `${f[0]} ${f[1]}`,
      mac: f[2]!.toLowerCase(),
      family: f[3]!,
      ...splitAddress(f[4]!),
      hostname: dash(f[5]),
      clientId: dash(f[6]),
    });
  }
  return leases;
}

/**
 * Table output of domifaddr; a second address of the same interface comes with "-" for name and MAC:
 *   " vnet0      52:54:00:12:34:56    ipv4         192.168.100.23/24"
 *   " -          -                    ipv6         fe80::5054:ff:fe12:3456/64"
 */
export function parseDomIfAddr(out: string): DomainAddressWire[] {
  const addrs: DomainAddressWire[] = [];
  let last: { name: string; mac: string | null } | undefined;
  for (const line of out.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length !== 4 || !/^ipv[46]$/.test(f[2]!)) continue;
    const name = f[0] === "-" && last ? last.name : f[0]!;
    const mac = f[0] === "-" && f[1] === "-" && last ? last.mac : MAC_RE.test(f[1]!) ? f[1]!.toLowerCase() : null;
    last = { name, mac };
    addrs.push({ interface: name, mac, family: f[2]!, ...splitAddress(f[3]!) });
  }
  return addrs;
}
