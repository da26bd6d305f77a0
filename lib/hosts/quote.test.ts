import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { UnsafeArgumentError } from "./errors";
import { shellQuote } from "./quote";

const HOSTILE = [
  "plain",
  "",
  "two words",
  "it's",
  `"double"`,
  "'",
  "''",
  "'\\''",
  "a;b",
  "a && b || c | d",
  "$(id -u)",
  "`id -u`",
  "${HOME} $HOME",
  "<in >out 2>&1 &",
  "*.txt ?[ab] ~root",
  "line1\nline2",
  "cr\r\n",
  "tab\there",
  "back\\slash\\",
  "!bang !!",
  "#comment",
  "-n",
  "--help",
  "ünïcødé 日本語 😀",
  "\u001b[31mred\u001b[0m",
];

describe("shellQuote", () => {
  it("wraps every element in single quotes and escapes embedded quotes", () => {
    expect(shellQuote(["virsh", "-c", "qemu:///system"])).toBe(`'virsh' '-c' 'qemu:///system'`);
    expect(shellQuote(["printf", "it's"])).toBe(`'printf' 'it'\\''s'`);
    expect(shellQuote([""])).toBe("''");
  });

  it("refuses NUL bytes, non-strings and empty argv", () => {
    expect(() => shellQuote(["printf", "a\0b"])).toThrow(UnsafeArgumentError);
    expect(() => shellQuote([])).toThrow(UnsafeArgumentError);
    expect(() => shellQuote(["echo", 42 as unknown as string])).toThrow(UnsafeArgumentError);
  });

  // The real test: a POSIX shell must turn the quoted string back into exactly this argv.
  for (const sh of ["/bin/sh", "/usr/bin/dash", "/usr/bin/bash"].filter((p) => existsSync(p))) {
    it(`round-trips hostile values through ${sh}`, () => {
      const out = execFileSync(sh, ["-c", shellQuote(["printf", "%s\\0", ...HOSTILE])]);
      expect(out.toString("utf8").split("\0").slice(0, -1)).toEqual(HOSTILE);
    });

    it(`keeps each hostile value one argument under ${sh}`, () => {
      for (const v of HOSTILE) {
        const out = execFileSync(sh, ["-c", `${shellQuote(["printf", "%s|"])} ${shellQuote([v])}`]);
        expect(out.toString("utf8")).toBe(`${v}|`);
      }
    });
  }
});
