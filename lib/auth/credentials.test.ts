import { describe, expect, it } from "vitest";
import { DisplayNameSchema, PasswordSchema, UsernameSchema } from "./credentials";

describe("UsernameSchema", () => {
  it("normalises case and accepts letters of any script", () => {
    expect(UsernameSchema.parse("  Élodie.Martin ")).toBe("élodie.martin");
    expect(UsernameSchema.parse("ops_1@lab")).toBe("ops_1@lab");
  });

  it.each([
    ["", "required"],
    ["a".repeat(65), "at most 64"],
    ["bob smith", "only letters"],
    ['x\';DROP TABLE "User";--', "only letters"],
    ["<script>", "only letters"],
    ["a\u0000b", "only letters"],
  ])("refuses %j", (value, message) => {
    const r = UsernameSchema.safeParse(value);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].message).toContain(message);
  });

  it("refuses non-strings with a clear message", () => {
    const r = UsernameSchema.safeParse(42);
    expect(r.error?.issues[0].message).toBe("Username must be text");
  });
});

describe("PasswordSchema", () => {
  it("accepts unicode and refuses short, huge and control-character passwords", () => {
    expect(PasswordSchema.safeParse("mot de passe é€").success).toBe(true);
    expect(PasswordSchema.safeParse("short").success).toBe(false);
    expect(PasswordSchema.safeParse("x".repeat(1024 * 1024)).success).toBe(false);
    expect(PasswordSchema.safeParse("abc\ndefgh").success).toBe(false);
  });
});

describe("DisplayNameSchema", () => {
  it("keeps markup as plain text and trims", () => {
    expect(DisplayNameSchema.parse(" <b>Ops</b> ")).toBe("<b>Ops</b>");
    expect(DisplayNameSchema.safeParse("x".repeat(129)).success).toBe(false);
  });
});
