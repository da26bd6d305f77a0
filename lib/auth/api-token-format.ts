import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * API token strings: "vdt_<prefix>_<secret>". The prefix (12 base32-ish
 * characters) is a public lookup key stored in clear and shown in lists; the
 * secret (32 random bytes) is never stored: the database keeps the SHA-256 of
 * the whole token. The "vdt_" marker lets secret scanners recognise leaks.
 */
export const TOKEN_MARKER = "vdt_";
const PREFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
const PREFIX_LENGTH = 12;
const TOKEN_RE = /^vdt_([a-z2-7]{12})_([A-Za-z0-9_-]{43})$/;

export interface TokenParts {
  prefix: string;
  token: string;
}

export function apiTokenGenerate(): TokenParts {
  const raw = randomBytes(PREFIX_LENGTH);
  let prefix = "";
  for (const b of raw) prefix += PREFIX_ALPHABET[b & 31];
  const token = `${TOKEN_MARKER}${prefix}_${randomBytes(32).toString("base64url")}`;
  return { prefix, token };
}

/** The prefix of a well-formed token, else null (nothing malformed reaches the database). */
export function apiTokenPrefix(token: string): string | null {
  return TOKEN_RE.exec(token)?.[1] ?? null;
}

export function apiTokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export function apiTokenHashMatches(token: string, storedHex: string): boolean {
  const a = Buffer.from(apiTokenHash(token), "hex");
  const b = Buffer.from(storedHex, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The credentials of an `Authorization: Bearer <token>` header: null when there
 * is none or another scheme (a proxy's Basic auth must not break cookie
 * sessions), "" when a Bearer header is malformed.
 */
export function bearerFromHeader(value: string | null): string | null {
  if (value === null || !/^bearer(\s|$)/i.test(value)) return null;
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(value);
  return m ? m[1] : "";
}
