import { BlockList, isIP } from "node:net";
import { env } from "@/lib/env";

/** Header the custom server sets to the TCP peer address (never trusted from clients). */
export const PEER_HEADER = "x-virtdeck-peer";

type HeaderBag = Pick<Headers, "get">;

function normalizeAddress(value: string): string {
  const v = value.trim().replace(/^\[(.*)\]$/, "$1");
  return (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(v) ? v.slice(7) : v).slice(0, 64);
}

/**
 * Parses a list of proxies (addresses and CIDRs, separated by commas or spaces) into a
 * matcher. Throws naming VIRTDECK_TRUSTED_PROXIES on an entry it cannot read.
 */
export function trustedProxiesParse(list: string): (address: string) => boolean {
  const block = new BlockList();
  for (const entry of list.split(/[\s,]+/).filter(Boolean)) {
    const [addr, prefix, extra] = entry.split("/");
    const family = isIP(addr);
    const bits = prefix === undefined ? null : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
    if (!family || extra !== undefined || Number.isNaN(bits) || (bits !== null && bits > (family === 4 ? 32 : 128))) {
      throw new Error(`VIRTDECK_TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR (e.g. 10.0.0.0/8, ::1)`);
    }
    const type = family === 4 ? "ipv4" : "ipv6";
    if (bits === null) block.addAddress(addr, type);
    else block.addSubnet(addr, bits, type);
  }
  return (address) => {
    const a = normalizeAddress(address);
    const family = isIP(a);
    return family !== 0 && block.check(a, family === 4 ? "ipv4" : "ipv6");
  };
}

let cachedList: string | undefined;
let cachedMatcher: ((address: string) => boolean) | undefined;

function trusted(address: string): boolean {
  const list = env().VIRTDECK_TRUSTED_PROXIES;
  if (cachedList !== list || !cachedMatcher) {
    cachedMatcher = trustedProxiesParse(list);
    cachedList = list;
  }
  return cachedMatcher(address);
}

/** True when the request came straight from one of our own reverse proxies. */
function fromTrustedProxy(headers: HeaderBag): boolean {
  return env().VIRTDECK_TRUST_PROXY && trusted(headers.get(PEER_HEADER) ?? "");
}

/**
 * The client's address behind a chain of proxies: X-Forwarded-For read from the right
 * (each proxy appends the peer it saw), skipping our trusted proxies; the first other hop
 * is the client. Everything left of it was written by the client and is ignored.
 */
export function forwardedClient(
  peer: string,
  forwardedFor: string | null,
  isTrusted: (address: string) => boolean,
): string {
  if (!isTrusted(peer)) return normalizeAddress(peer);
  const hops = (forwardedFor ?? "").split(",").map(normalizeAddress).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) if (!isTrusted(hops[i])) return hops[i];
  return hops[0] ?? normalizeAddress(peer);
}

/**
 * The caller's IP: the TCP peer; with VIRTDECK_TRUST_PROXY, when that peer is one of
 * VIRTDECK_TRUSTED_PROXIES, the rightmost untrusted X-Forwarded-For hop.
 */
export function clientAddress(headers: HeaderBag): string {
  const peer = headers.get(PEER_HEADER) ?? "";
  if (!env().VIRTDECK_TRUST_PROXY) return normalizeAddress(peer);
  return forwardedClient(peer, headers.get("x-forwarded-for"), trusted);
}

/** The scheme the browser used: X-Forwarded-Proto counts only from a trusted proxy. */
export function requestIsHttps(headers: HeaderBag, url?: string): boolean {
  if (fromTrustedProxy(headers)) {
    const proto = headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
    if (proto) return proto === "https";
  }
  return url?.startsWith("https:") ?? false;
}

/** The Host the browser addressed: X-Forwarded-Host counts only from a trusted proxy. */
export function requestHost(headers: HeaderBag): string | null {
  return (
    (fromTrustedProxy(headers) ? headers.get("x-forwarded-host")?.split(",")[0]?.trim() : undefined) ||
    headers.get("host")
  );
}
