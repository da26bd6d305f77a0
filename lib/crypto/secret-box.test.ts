import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { openWith, sealWith, secretKeyParse } from "./secret-box";

const key = randomBytes(32);

describe("secret box", () => {
  it("round-trips and never contains the plaintext", () => {
    const secret = "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n";
    const sealed = sealWith(key, secret, "host:1");
    expect(sealed.startsWith("v1:")).toBe(true);
    expect(sealed).not.toContain("OPENSSH");
    expect(openWith(key, sealed, "host:1")).toBe(secret);
  });

  it("uses a fresh nonce each time", () => {
    expect(sealWith(key, "x", "a")).not.toBe(sealWith(key, "x", "a"));
  });

  it("refuses another record's value, a tampered value and a wrong key", () => {
    const sealed = sealWith(key, "secret", "host:1");
    expect(() => openWith(key, sealed, "host:2")).toThrow();
    const raw = Buffer.from(sealed.slice(3), "base64");
    raw[raw.length - 1] ^= 1;
    expect(() => openWith(key, `v1:${raw.toString("base64")}`, "host:1")).toThrow();
    expect(() => openWith(randomBytes(32), sealed, "host:1")).toThrow();
  });

  it("validates configured keys", () => {
    expect(() => secretKeyParse("c2hvcnQ=")).toThrow(/32 bytes/);
    expect(secretKeyParse(key.toString("base64"))).toEqual(key);
  });
});
