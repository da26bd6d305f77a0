import "server-only";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { dataDir, env } from "@/lib/env";

/**
 * Secrets at rest (SSH private keys): AES-256-GCM with a 96-bit random nonce,
 * bound to their owner record through the additional authenticated data, so a
 * sealed value copied onto another row does not open.
 *
 * The key comes from VIRTDECK_SECRET_KEY (base64, 32 bytes) or, when unset, from
 * <data dir>/secret.key, generated on first use with mode 0600. Several app
 * instances must share the same key.
 */
const VERSION = "v1";

let keyPromise: Promise<Buffer> | undefined;

export function secretKeyParse(b64: string): Buffer {
  const key = Buffer.from(b64.trim(), "base64");
  if (key.length !== 32) throw new Error("VIRTDECK_SECRET_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32)");
  return key;
}

async function loadKey(): Promise<Buffer> {
  const fromEnv = env().VIRTDECK_SECRET_KEY;
  if (fromEnv) return secretKeyParse(fromEnv);
  const file = path.join(dataDir(), "secret.key");
  try {
    return secretKeyParse(await readFile(file, "utf8"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await mkdir(dataDir(), { recursive: true });
  const key = randomBytes(32);
  // "wx": never overwrite a key another process wrote in the meantime.
  await writeFile(file, key.toString("base64") + "\n", { mode: 0o600, flag: "wx" }).catch(async (err) => {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  });
  await chmod(file, 0o600);
  return secretKeyParse(await readFile(file, "utf8"));
}

function key(): Promise<Buffer> {
  keyPromise ??= loadKey().catch((err) => {
    keyPromise = undefined;
    throw err;
  });
  return keyPromise;
}

export function sealWith(k: Buffer, plaintext: string, aad: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", k, iv);
  c.setAAD(Buffer.from(aad, "utf8"));
  const body = Buffer.concat([c.update(plaintext, "utf8"), c.final()]);
  return `${VERSION}:${Buffer.concat([iv, c.getAuthTag(), body]).toString("base64")}`;
}

export function openWith(k: Buffer, sealed: string, aad: string): string {
  const [version, data] = sealed.split(":", 2);
  if (version !== VERSION || !data) throw new Error("Unknown secret format");
  const raw = Buffer.from(data, "base64");
  const d = createDecipheriv("aes-256-gcm", k, raw.subarray(0, 12));
  d.setAAD(Buffer.from(aad, "utf8"));
  d.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString("utf8");
}

export async function secretSeal(plaintext: string, aad: string): Promise<string> {
  return sealWith(await key(), plaintext, aad);
}

/** Throws when the value was tampered with, belongs to another record, or the key changed. */
export async function secretOpen(sealed: string, aad: string): Promise<string> {
  return openWith(await key(), sealed, aad);
}
