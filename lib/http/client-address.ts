import { env } from "@/lib/env";

/** Header the custom server sets to the TCP peer address (never trusted from clients). */
export const PEER_HEADER = "x-virtdeck-peer";

type HeaderBag = Pick<Headers, "get">;

/** The caller's IP: the TCP peer, or the proxy-supplied client address when VIRTDECK_TRUST_PROXY is on. */
export function clientAddress(headers: HeaderBag): string {
  if (env().VIRTDECK_TRUST_PROXY) {
    const fwd = headers.get("x-forwarded-for");
    const first = fwd?.split(",")[0]?.trim();
    if (first) return first.slice(0, 64);
  }
  return (headers.get(PEER_HEADER) ?? "").replace(/^::ffff:/, "").slice(0, 64);
}

export function requestIsHttps(headers: HeaderBag, url?: string): boolean {
  if (env().VIRTDECK_TRUST_PROXY && headers.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https") return true;
  return url?.startsWith("https:") ?? false;
}
