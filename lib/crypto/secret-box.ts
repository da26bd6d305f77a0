import "server-only";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { dataDir, env, secretKeyFile } from "@/lib/env";

/**
 * Secrets at rest (SSH private keys): AES-256-GCM with a 96-bit random nonce,
 * bound to their owner record through the additional authenticated data, so a
 * sealed value copied onto another row does not open.
 *
 * The key comes from VIRTDECK_SECRET_KEY (base64, 32 bytes) or, when unset, from
 * VIRTDECK_SECRET_KEY_FILE (default ./secrets/secret.key), generated on first use
 * with mode 0600 in a 0700 directory. It is kept out of the database directory so a
 * copy or backup of the database does not carry the key that opens its secrets; a
 * key left in <data dir>/secret.key by an older version is moved there. Several app
 * instances must share the same key.
 */
const VERSION = "v1";

let keyPromise: Promise<Buffer> | undefined;

export function secretKeyParse(b64: string): Buffer {
  const key = Buffer.from(b64.trim(), "base64");
  if (key.length !== 32)
    throw new Error("VIRTDECK_SECRET_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32)");
  return key;
}

async function readKeyFile(file: string): Promise<Buffer | null> {
  try {
    return secretKeyParse(await readFile(file, "utf8"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/** Writes a key file unless one exists already ("wx": never overwrite a key another process wrote). */
async function writeKeyFile(file: string, key: Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, key.toString("base64") + "\n", { mode: 0o600, flag: "wx" }).catch((err) => {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  });
  await chmod(file, 0o600);
}

async function loadKey(): Promise<Buffer> {
  const fromEnv = env().VIRTDECK_SECRET_KEY;
  if (fromEnv) return secretKeyParse(fromEnv);
  return secretKeyFileLoad(secretKeyFile(), path.join(dataDir(), "secret.key"));
}

/**
 * The key in `file`, generated there when missing; a key found at `legacyFile` (the
 * data directory, where older versions kept it) is moved to `file` first.
 */
export async function secretKeyFileLoad(file: string, legacyFile: string): Promise<Buffer> {
  const [current, legacy] = await Promise.all([
    readKeyFile(file),
    legacyFile === file ? null : readKeyFile(legacyFile),
  ]);
  if (legacy) {
    if (current && !current.equals(legacy)) {
      throw new Error(
        `Two different secret keys: ${legacyFile} (older versions) and ${file} (VIRTDECK_SECRET_KEY_FILE). Keep the one this database was sealed with and remove the other.`,
      );
    }
    if (!current) await writeKeyFile(file, legacy);
    const moved = await readKeyFile(file);
    if (!moved?.equals(legacy)) throw new Error(`Could not move ${legacyFile} to ${file}: another key is there`);
    await unlink(legacyFile);
    console.warn(`Moved the secret key from ${legacyFile} to ${file} (outside the database directory)`);
    return legacy;
  }
  if (current) return current;
  await writeKeyFile(file, randomBytes(32));
  const key = await readKeyFile(file);
  if (!key) throw new Error(`Could not create the secret key file ${file}`);
  return key;
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
