import { describe, expect, it } from "vitest";
import { localeFromAcceptLanguage, localeResolve } from "@/lib/i18n/negotiate";

describe("localeFromAcceptLanguage", () => {
  it.each([
    ["fr-CA,fr;q=0.9,en;q=0.8", "fr"],
    ["en-US,en;q=0.9", "en"],
    ["de-DE,fr;q=0.5,en;q=0.7", "en"],
    ["de;q=1, fr;q=0.8", "fr"],
    ["FR", "fr"],
    ["en;q=0, fr;q=0.1", "fr"],
    ["*", "en"],
  ])("%s -> %s", (header, expected) => {
    expect(localeFromAcceptLanguage(header)).toBe(expected);
  });

  it.each([null, "", "de-DE,es;q=0.8", "fr;q=0", ";;,,"])("%s -> null", (header) => {
    expect(localeFromAcceptLanguage(header)).toBeNull();
  });
});

describe("localeResolve", () => {
  it("prefers the cookie", () => {
    expect(localeResolve({ cookie: "fr", acceptLanguage: "en" })).toBe("fr");
  });
  it("ignores an unknown cookie value", () => {
    expect(localeResolve({ cookie: "xx", acceptLanguage: "fr" })).toBe("fr");
  });
  it("falls back to English", () => {
    expect(localeResolve({})).toBe("en");
  });
});
