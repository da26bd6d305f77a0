import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";

/**
 * OpenSSH-style fingerprint of a host key blob (the SSH wire encoding ssh2 hands to hostVerifier):
 * "SHA256:" + base64 of the SHA-256 digest without "=" padding, as `ssh-keygen -lf` prints it.
 */
export function hostKeyFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}

const FINGERPRINT_RE = /^(?:SHA256:)?([A-Za-z0-9+/]{43})=?$/;

/** Accepts "SHA256:xxx", bare base64, with or without padding; null when not a SHA-256 fingerprint. */
export function normalizeFingerprint(value: string): string | null {
  const m = FINGERPRINT_RE.exec(value.trim());
  return m ? `SHA256:${m[1]}` : null;
}

/** Constant-time comparison of two fingerprints (after normalisation); false if either is malformed. */
export function fingerprintsEqual(a: string, b: string): boolean {
  const na = normalizeFingerprint(a);
  const nb = normalizeFingerprint(b);
  if (na === null || nb === null) return false;
  // Both normalised forms have the same length, so timingSafeEqual never throws here.
  return timingSafeEqual(Buffer.from(na), Buffer.from(nb));
}
