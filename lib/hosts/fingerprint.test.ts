import { describe, expect, it } from "vitest";
import { fingerprintsEqual, hostKeyFingerprint, normalizeFingerprint } from "./fingerprint";

// Public keys and the fingerprints `ssh-keygen -lf` printed for them.
const ED25519 = "AAAAC3NzaC1lZDI1NTE5AAAAIJPaCvm9fF8FiwrAoqeQTzy/mnExNCQnz234+VVlsIxZ";
const ED25519_FP = "SHA256:GWWPXjHt+UsVEUHGBmQzQ1hmyJEHksqFVRpzBVrznzw";
const RSA =
  "AAAAB3NzaC1yc2EAAAADAQABAAABAQDm1r5R1v7xAQJdAY8DHrC4nP56NOMCRQuycvzF8AegtfYfGfcsTNrCeowj7WkfCZtjMgTOsDKiw5M6guUCn35eD8ZxAF8IIt+T006lJ4K6ReVpXBwpyyybN1YHuLb+5P2S9WjnDRiymhNRGw0JIGF5S6gmVHYa0Ul1TlBMHDttj458EyZ9jtGg02GtV2qPybi+/HkbSkVP5C+jGh+juYS/kBHpfGmMvXO0V/YFetRo4beC+gQkHaUrXYnLp6KQifJbtbjDxALMAWSOoKNwIUD5cxnkz2iMZaT9lGBALFvRcBQ9JzIJtE6cddPpNWbYBl/RLOA9xnvmbCrILcRqrZ5r";
const RSA_FP = "SHA256:cnr8G8QIJL8n8gI+ioIx3rTRiqrzGQQ/g4wWUzHk0vE";

describe("hostKeyFingerprint", () => {
  it("matches ssh-keygen -lf for ed25519 and RSA key blobs", () => {
    expect(hostKeyFingerprint(Buffer.from(ED25519, "base64"))).toBe(ED25519_FP);
    expect(hostKeyFingerprint(Buffer.from(RSA, "base64"))).toBe(RSA_FP);
  });
});

describe("normalizeFingerprint / fingerprintsEqual", () => {
  it("accepts the OpenSSH form, bare base64 and padded base64", () => {
    const bare = ED25519_FP.slice("SHA256:".length);
    expect(normalizeFingerprint(ED25519_FP)).toBe(ED25519_FP);
    expect(normalizeFingerprint(bare)).toBe(ED25519_FP);
    expect(normalizeFingerprint(`${bare}=`)).toBe(ED25519_FP);
    expect(normalizeFingerprint(` ${ED25519_FP}\n`)).toBe(ED25519_FP);
  });

  it.each(["", "SHA256:", "MD5:aa:bb", "SHA256:short", `SHA256:${"A".repeat(44)}`, `sha256:${"A".repeat(43)}`])(
    "rejects %j",
    (v) => {
      expect(normalizeFingerprint(v)).toBeNull();
      expect(fingerprintsEqual(v, v)).toBe(false);
    },
  );

  it("compares by value, never equal for different keys", () => {
    expect(fingerprintsEqual(ED25519_FP, ED25519_FP.slice(7))).toBe(true);
    expect(fingerprintsEqual(ED25519_FP, RSA_FP)).toBe(false);
    // One character different.
    expect(fingerprintsEqual(ED25519_FP, ED25519_FP.replace(/w$/, "x"))).toBe(false);
  });
});
