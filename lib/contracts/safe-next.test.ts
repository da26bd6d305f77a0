import { describe, expect, it } from "vitest";
import { safeNextPath } from "./safe-next";

describe("safeNextPath", () => {
  it.each([
    ["/vms", "/vms"],
    ["/vms/abc/def?tab=disks#top", "/vms/abc/def?tab=disks#top"],
    ["/hosts/1", "/hosts/1"],
    ["/", "/"],
    ["/a/./b/../c", "/a/c"],
    ["/%2F%2Fevil.com", "/%2F%2Fevil.com"],
    ["/%09/evil.com", "/%09/evil.com"],
    ["/search?q=http://evil.com", "/search?q=http://evil.com"],
  ])("keeps the same-origin path %j", (input, expected) => {
    expect(safeNextPath(input)).toBe(expected);
  });

  it.each([
    "/\t/evil.com",
    "/\n/evil.com",
    "/\r/evil.com",
    "\t/evil.com",
    "/\\evil.com",
    "/\\/evil.com",
    "\\\\evil.com",
    "//evil.com",
    "///evil.com",
    "//evil.com/%2e%2e",
    "/ /evil.com",
    "/\u00a0/evil.com",
    "/\u3000/evil.com",
    "/\u0000/evil.com",
    "https://evil.com",
    "http://virtdeck.invalid.evil.com/",
    "HTTPS://evil.com",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox",
    "evil.com",
    "./evil",
    "../evil",
    "?next=//evil.com",
    "#/evil",
    "/a/../..//evil.com",
    "/..//evil.com",
    "/.//evil.com",
    "",
    "/" + "a".repeat(3000),
  ])("refuses %j", (input) => {
    expect(safeNextPath(input)).toBe("/");
  });

  it("takes the first of repeated values, and falls back on missing ones", () => {
    expect(safeNextPath(["/vms", "//evil.com"])).toBe("/vms");
    expect(safeNextPath(["//evil.com", "/vms"])).toBe("/");
    expect(safeNextPath(undefined)).toBe("/");
    expect(safeNextPath(null, "/vms")).toBe("/vms");
  });

  it("never yields a path a browser would read as another origin", () => {
    const base = "https://app.example";
    for (const c of ["\t", "\n", "\\", "/", "%09", "%2f", "%5c", "@", ".", ":", " "]) {
      for (const shape of [`/${c}/evil.com`, `/${c}evil.com`, `${c}/evil.com`, `/${c}${c}evil.com`]) {
        expect(new URL(safeNextPath(shape), base).origin, shape).toBe(base);
      }
    }
  });
});
