import { describe, expect, it } from "vitest";
import {
  apiTokenGenerate,
  apiTokenHash,
  apiTokenHashMatches,
  apiTokenPrefix,
  bearerFromHeader,
} from "./api-token-format";

describe("API token format", () => {
  it("generates distinct tokens whose prefix can be read back", () => {
    const a = apiTokenGenerate();
    const b = apiTokenGenerate();
    expect(a.token).toMatch(/^vdt_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);
    expect(a.token).not.toBe(b.token);
    expect(a.prefix).not.toBe(b.prefix);
    expect(apiTokenPrefix(a.token)).toBe(a.prefix);
  });

  it("refuses malformed tokens before any lookup", () => {
    const { token } = apiTokenGenerate();
    expect(apiTokenPrefix(token.slice(0, -1))).toBeNull();
    expect(apiTokenPrefix(`${token}x`)).toBeNull();
    expect(apiTokenPrefix(token.replace("vdt_", "vdx_"))).toBeNull();
    expect(apiTokenPrefix("vdt_' OR 1=1 --_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")).toBeNull();
    expect(apiTokenPrefix("")).toBeNull();
  });

  it("stores a SHA-256 that matches only the same token", () => {
    const { token } = apiTokenGenerate();
    const h = apiTokenHash(token);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(h).not.toContain(token);
    expect(apiTokenHashMatches(token, h)).toBe(true);
    expect(apiTokenHashMatches(apiTokenGenerate().token, h)).toBe(false);
    expect(apiTokenHashMatches(token, "abcd")).toBe(false);
  });

  it("reads the Authorization header", () => {
    expect(bearerFromHeader(null)).toBeNull();
    expect(bearerFromHeader("Bearer abc")).toBe("abc");
    expect(bearerFromHeader("bearer   abc ")).toBe("abc");
    expect(bearerFromHeader("Basic abc")).toBeNull();
    expect(bearerFromHeader("Bearerabc")).toBeNull();
    expect(bearerFromHeader("Bearer")).toBe("");
    expect(bearerFromHeader("Bearer a b")).toBe("");
  });
});
