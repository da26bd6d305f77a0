import { describe, expect, it } from "vitest";
import { TOTP } from "otpauth";
import {
  TotpCodeSchema,
  recoveryCodeHash,
  recoveryCodeNormalize,
  recoveryCodesGenerate,
  totpCode,
  totpSecretDisplay,
  totpSecretGenerate,
  totpStep,
  totpUri,
  totpVerify,
} from "./totp";

// RFC 6238 appendix B, SHA-1 seed "12345678901234567890" in base32.
const RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

describe("totp", () => {
  it("matches the RFC 6238 test vectors (last 6 digits)", () => {
    expect(totpCode(RFC_SECRET, 59_000)).toBe("287082");
    expect(totpCode(RFC_SECRET, 1_111_111_109_000)).toBe("081804");
    expect(totpCode(RFC_SECRET, 1_234_567_890_000)).toBe("005924");
    expect(totpCode(RFC_SECRET, 2_000_000_000_000)).toBe("279037");
  });

  it("accepts the current code and one step of drift, and returns its step", () => {
    const now = 1_700_000_000_000;
    const step = totpStep(now);
    expect(totpVerify(RFC_SECRET, totpCode(RFC_SECRET, now), now, 0)).toBe(step);
    expect(totpVerify(RFC_SECRET, totpCode(RFC_SECRET, now - 30_000), now, 0)).toBe(step - 1);
    expect(totpVerify(RFC_SECRET, totpCode(RFC_SECRET, now + 30_000), now, 0)).toBe(step + 1);
    expect(totpVerify(RFC_SECRET, totpCode(RFC_SECRET, now - 90_000), now, 0)).toBeNull();
  });

  it("refuses a code whose step was already used (no replay within the window)", () => {
    const now = 1_700_000_000_000;
    const code = totpCode(RFC_SECRET, now);
    const step = totpVerify(RFC_SECRET, code, now, 0)!;
    expect(totpVerify(RFC_SECRET, code, now, step)).toBeNull();
    expect(totpVerify(RFC_SECRET, code, now + 20_000, step)).toBeNull();
    // An older (still in-window) code after a newer one was used is refused too.
    expect(totpVerify(RFC_SECRET, totpCode(RFC_SECRET, now - 30_000), now, step)).toBeNull();
  });

  it("refuses malformed and wrong codes", () => {
    const now = 1_700_000_000_000;
    const good = totpCode(RFC_SECRET, now);
    const wrong = String((Number(good) + 1) % 1_000_000).padStart(6, "0");
    expect(totpVerify(RFC_SECRET, wrong, now, 0)).toBeNull();
    expect(totpVerify(RFC_SECRET, "12345", now, 0)).toBeNull();
    expect(totpVerify(RFC_SECRET, `${good} `, now, 0)).toBeNull();
    expect(TotpCodeSchema.parse(" 123 456 ")).toBe("123456");
    expect(TotpCodeSchema.safeParse("12345a").success).toBe(false);
  });

  it("generates 160-bit secrets and a URI authenticator apps read back", () => {
    const s = totpSecretGenerate();
    expect(s).toMatch(/^[A-Z2-7]{32}$/);
    expect(totpSecretGenerate()).not.toBe(s);
    const uri = totpUri(s, "ada@example");
    expect(uri).toMatch(/^otpauth:\/\/totp\/virtdeck:ada%40example\?/);
    const parsed = new URL(uri);
    expect(parsed.searchParams.get("secret")).toBe(s);
    expect(parsed.searchParams.get("issuer")).toBe("virtdeck");
    expect(parsed.searchParams.get("digits")).toBe("6");
    expect(parsed.searchParams.get("period")).toBe("30");
    // What an app computes from the URI is what the server accepts.
    const now = Date.now();
    const app = new TOTP({ secret: s });
    expect(totpVerify(s, app.generate({ timestamp: now }), now, 0)).not.toBeNull();
    expect(totpSecretDisplay("ABCDEFGHIJ")).toBe("ABCD EFGH IJ");
  });
});

describe("recovery codes", () => {
  it("generates ten distinct codes in the shown format", () => {
    const codes = recoveryCodesGenerate();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) {
      expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
      expect(recoveryCodeNormalize(c)).toBe(c.replace("-", ""));
    }
  });

  it("normalises what people type and rejects what cannot be a code", () => {
    expect(recoveryCodeNormalize(" ABCDE-FGHJK ")).toBe("abcdefghjk");
    expect(recoveryCodeNormalize("abcde fghjk")).toBe("abcdefghjk");
    expect(recoveryCodeNormalize("abcde-fghj")).toBeNull();
    expect(recoveryCodeNormalize("abcde-fghj0")).toBeNull();
    expect(recoveryCodeNormalize("123456")).toBeNull();
  });

  it("hashes per user, so one hash does not match another user's code", () => {
    const h = recoveryCodeHash("u1", "abcdefghjk");
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(recoveryCodeHash("u1", "abcdefghjk")).toBe(h);
    expect(recoveryCodeHash("u2", "abcdefghjk")).not.toBe(h);
    expect(h).not.toContain("abcdefghjk");
  });
});
