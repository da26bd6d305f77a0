import { describe, expect, it } from "vitest";
import { forwardedClient, trustedProxiesParse } from "./client-address";

describe("trustedProxiesParse", () => {
  it("matches addresses and CIDRs of both families, IPv4-mapped IPv6 included", () => {
    const t = trustedProxiesParse("127.0.0.0/8, ::1 10.1.2.3,fd00::/8");
    for (const a of ["127.0.0.1", "127.255.0.9", "::1", "10.1.2.3", "::ffff:127.0.0.1", "fd00::5", "[::1]"])
      expect(t(a), a).toBe(true);
    for (const a of ["10.1.2.4", "128.0.0.1", "::2", "fe80::1", "", "unknown", "127.0.0.1, 10.1.2.3"])
      expect(t(a), a).toBe(false);
  });

  it("refuses entries that are not addresses or CIDRs, naming the variable", () => {
    for (const bad of ["localhost", "10.0.0.0/33", "::/129", "10.0.0.0/8/1", "10.0.0.0/x", "1.2.3"]) {
      expect(() => trustedProxiesParse(bad), bad).toThrow(/VIRTDECK_TRUSTED_PROXIES/);
    }
    expect(trustedProxiesParse("")("127.0.0.1")).toBe(false);
  });
});

describe("forwardedClient", () => {
  const trusted = trustedProxiesParse("127.0.0.0/8,10.0.0.0/8");

  it("takes the rightmost hop that is not a trusted proxy", () => {
    expect(forwardedClient("127.0.0.1", "203.0.113.7", trusted)).toBe("203.0.113.7");
    expect(forwardedClient("127.0.0.1", "198.51.100.1, 203.0.113.7", trusted)).toBe("203.0.113.7");
    expect(forwardedClient("127.0.0.1", "198.51.100.1, 203.0.113.7, 10.0.0.2", trusted)).toBe("203.0.113.7");
    expect(forwardedClient("127.0.0.1", " 2001:db8::1 ,10.0.0.2", trusted)).toBe("2001:db8::1");
  });

  it("ignores the header when the peer is not a trusted proxy", () => {
    expect(forwardedClient("192.0.2.9", "203.0.113.7", trusted)).toBe("192.0.2.9");
    expect(forwardedClient("::ffff:192.0.2.9", "127.0.0.1", trusted)).toBe("192.0.2.9");
  });

  it("falls back to the leftmost hop when every hop is a proxy, and to the peer without a header", () => {
    expect(forwardedClient("127.0.0.1", "10.0.0.5, 10.0.0.2", trusted)).toBe("10.0.0.5");
    expect(forwardedClient("127.0.0.1", null, trusted)).toBe("127.0.0.1");
    expect(forwardedClient("127.0.0.1", " , ", trusted)).toBe("127.0.0.1");
  });

  it("bounds what it returns", () => {
    expect(forwardedClient("127.0.0.1", "x".repeat(500), trusted)).toHaveLength(64);
  });
});
