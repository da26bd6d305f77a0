import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openWith, sealWith, secretKeyFileLoad, secretKeyParse } from "./secret-box";

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

describe("secretKeyFileLoad", () => {
  const dirs = () => {
    const root = mkdtempSync(path.join(tmpdir(), "vd-key-"));
    return { root, file: path.join(root, "secrets", "secret.key"), legacy: path.join(root, "data", "secret.key") };
  };

  it("generates the key outside the data directory, mode 0600 in a 0700 directory, and reads it back", async () => {
    const d = dirs();
    const k = await secretKeyFileLoad(d.file, d.legacy);
    expect(k).toHaveLength(32);
    expect(statSync(d.file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(d.file)).mode & 0o777).toBe(0o700);
    expect(existsSync(d.legacy)).toBe(false);
    expect(await secretKeyFileLoad(d.file, d.legacy)).toEqual(k);
  });

  it("moves a key left in the data directory by an older version", async () => {
    const d = dirs();
    const old = randomBytes(32);
    mkdirSync(path.dirname(d.legacy), { recursive: true });
    writeFileSync(d.legacy, old.toString("base64") + "\n", { mode: 0o600 });
    expect(await secretKeyFileLoad(d.file, d.legacy)).toEqual(old);
    expect(existsSync(d.legacy)).toBe(false);
    expect(secretKeyParse(readFileSync(d.file, "utf8"))).toEqual(old);
  });

  it("refuses to choose between two different keys", async () => {
    const d = dirs();
    for (const f of [d.file, d.legacy]) {
      mkdirSync(path.dirname(f), { recursive: true });
      writeFileSync(f, randomBytes(32).toString("base64"));
    }
    await expect(secretKeyFileLoad(d.file, d.legacy)).rejects.toThrow(/Two different secret keys/);
    expect(existsSync(d.legacy)).toBe(true);
  });
});
