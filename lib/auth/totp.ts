import { createHash, randomInt } from "node:crypto";
import { Secret, TOTP } from "otpauth";
import { z } from "zod";

/**
 * Pure TOTP (RFC 6238) and recovery-code helpers: no database, no clock of their
 * own (callers pass `now`), so they are unit tested directly.
 *
 * Parameters are the ones every authenticator app supports: SHA-1, 6 digits,
 * 30-second period, 160-bit secret. A code is accepted one step either side of
 * now (clock drift), and only when its step is later than the last accepted one,
 * so a code cannot be replayed within its window.
 */
export const TOTP_PERIOD = 30;
export const TOTP_DIGITS = 6;
const TOTP_WINDOW = 1;
const ISSUER = "virtdeck";

export const RECOVERY_CODE_COUNT = 10;
/** Crockford-style alphabet without look-alikes (no 0/o, 1/i/l, u). */
const RECOVERY_ALPHABET = "abcdefghjkmnpqrstvwxyz23456789";
const RECOVERY_GROUP = 5;

export const TotpCodeSchema = z
  .string({ error: "Code must be text" })
  .transform((s) => s.replace(/\s+/g, ""))
  .pipe(z.string().regex(/^\d{6}$/, "Enter the 6-digit code from your authenticator app"));

/** Either a 6-digit TOTP code or a recovery code (xxxxx-xxxxx, any case, dash and spaces optional). */
export const SecondFactorSchema = z
  .string({ error: "Code must be text" })
  .max(64, "Code is too long")
  .transform((s) => s.trim())
  .pipe(z.string().min(1, "Enter a code"));

export function totpSecretGenerate(): string {
  return new Secret({ size: 20 }).base32;
}

function totp(secretBase32: string, label = ""): TOTP {
  return new TOTP({
    issuer: ISSUER,
    label,
    algorithm: "SHA1",
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** The otpauth:// URI authenticator apps read from the QR code. */
export function totpUri(secretBase32: string, username: string): string {
  return totp(secretBase32, username).toString();
}

/** The secret grouped by four characters, as people type it into an app by hand. */
export function totpSecretDisplay(secretBase32: string): string {
  return secretBase32.replace(/(.{4})(?=.)/g, "$1 ");
}

export function totpStep(now: number): number {
  return Math.floor(now / 1000 / TOTP_PERIOD);
}

/** The code for `now` (tests and the enrolment self-check). */
export function totpCode(secretBase32: string, now: number): string {
  return totp(secretBase32).generate({ timestamp: now });
}

/**
 * Returns the time step the code belongs to when it is valid at `now` (±1 step)
 * and later than `lastUsedStep`, else null.
 */
export function totpVerify(secretBase32: string, code: string, now: number, lastUsedStep: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totp(secretBase32).validate({ token: code, timestamp: now, window: TOTP_WINDOW });
  if (delta === null) return null;
  const step = totpStep(now) + delta;
  return step > lastUsedStep ? step : null;
}

export function looksLikeTotpCode(input: string): boolean {
  return /^\d{6}$/.test(input.replace(/\s+/g, ""));
}

/** Ten random codes of 10 characters (~49 bits each), shown once as "xxxxx-xxxxx". */
export function recoveryCodesGenerate(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    let s = "";
    for (let i = 0; i < RECOVERY_GROUP * 2; i++) s += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
    return `${s.slice(0, RECOVERY_GROUP)}-${s.slice(RECOVERY_GROUP)}`;
  });
}

/** Canonical form of a typed recovery code (lower case, no dashes or spaces), or null when it cannot be one. */
export function recoveryCodeNormalize(input: string): string | null {
  const s = input.toLowerCase().replace(/[\s-]+/g, "");
  if (s.length !== RECOVERY_GROUP * 2) return null;
  for (const ch of s) if (!RECOVERY_ALPHABET.includes(ch)) return null;
  return s;
}

/** What the database stores: SHA-256 over the user id and the canonical code (the codes carry enough entropy). */
export function recoveryCodeHash(userId: string, normalized: string): string {
  return createHash("sha256").update(`virtdeck-recovery:${userId}:${normalized}`).digest("hex");
}
