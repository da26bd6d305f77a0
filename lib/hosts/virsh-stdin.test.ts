import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { HostProtocolError } from "./errors";
import { vshTokenize } from "./__fixtures__/fake-virsh";
import { VirshFramer, virshStdinLine, type FramedResult } from "./virsh-stdin";

const fixtures = path.join(import.meta.dirname, "__fixtures__");
const TOKEN = "0123456789abcdef01234567";

describe("virshStdinLine", () => {
  const hostile = [
    "it's",
    `"double" and 'single'`,
    "a;b && c",
    "$(id) `id` ${HOME}",
    "<&>|*?~",
    "#not a comment",
    "back\\slash\\",
    "'",
    "''",
    "'\\''",
    "ünïcødé 日本語 😀",
    "",
    "virsh # prompt",
  ];

  it("single-quotes every element, POSIX style", () => {
    expect(virshStdinLine(["dumpxml", "it's"])).toBe(`'dumpxml' 'it'\\''s'`);
  });

  it.each(hostile)("round-trips %j through virsh's tokenizer (vshCommandStringGetArg)", (value) => {
    const line = virshStdinLine(["net-dumpxml", value, "--inactive"]);
    expect(line).not.toBeNull();
    expect(line).not.toMatch(/[\n\r\t]/);
    expect(vshTokenize(line!)).toEqual([["net-dumpxml", value, "--inactive"]]);
  });

  it("keeps all hostile values apart in one command", () => {
    expect(vshTokenize(virshStdinLine(hostile)!)).toEqual([hostile]);
  });

  it.each([
    ["newline", "a\nb"],
    ["carriage return", "a\rb"],
    ["tab (readline completes)", "a\tb"],
    ["escape", "a\u001b[Ab"],
    ["ctrl-u (readline kills the line)", "a\u0015b"],
    ["DEL", "a\u007fb"],
    ["C1 control", "a\u0085b"],
    ["NUL", "a\u0000b"],
  ])("returns null for a %s, which readline would act on", (_name, value) => {
    expect(virshStdinLine(["net-dumpxml", value])).toBeNull();
  });

  it("returns null for an empty argv", () => {
    expect(virshStdinLine([])).toBeNull();
  });
});

/** Commands of __fixtures__/virsh-session.* in order (see __fixtures__/generate.ts). */
function expectTranscriptResults(results: FramedResult[]): void {
  expect(results.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  const [uri, echo, missingNet, long, nodeinfo, errEcho, caps, empty] = results;
  expect(uri).toEqual({ seq: 0, ok: true, stdout: "qemu:///system\n", stderr: "" });
  expect(echo).toEqual({
    seq: 1,
    ok: true,
    stdout: `virsh # looks like a prompt and markers ${TOKEN}E9Z ffffffffffffffffffffffffE1Z`,
    stderr: "",
  });
  const name = `it's "quoted" ;$(id) \`id\` <&> ünïcødé 日本 😀`;
  expect(missingNet.ok).toBe(false);
  expect(missingNet.stdout).toBe("");
  expect(missingNet.stderr).toBe(
    `error: failed to get network '${name}'\nerror: Network not found: no network with matching name '${name}'\n`,
  );
  expect(long).toEqual({ seq: 3, ok: true, stdout: "x".repeat(600), stderr: "" });
  expect(nodeinfo.ok).toBe(true);
  expect(nodeinfo.stdout).toMatch(/^CPU model: +\S+\n[\s\S]*Memory size: +\d+ KiB\n$/);
  expect(errEcho).toEqual({ seq: 5, ok: false, stdout: "", stderr: "error: an error: for the stderr stream\n" });
  expect(caps.ok).toBe(true);
  expect(caps.stdout.startsWith("<capabilities>\n")).toBe(true);
  expect(caps.stdout.endsWith("</capabilities>\n\n")).toBe(true);
  expect(empty).toEqual({ seq: 7, ok: true, stdout: "", stderr: "" });
}

/** Deterministic PRNG so a failing split can be replayed. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

describe("VirshFramer on a real virsh transcript", () => {
  const stdout = readFileSync(path.join(fixtures, "virsh-session.stdout"));
  const stderr = readFileSync(path.join(fixtures, "virsh-session.stderr"));

  it("frames whole streams", () => {
    const f = new VirshFramer(TOKEN);
    const results = [...f.pushStderr(stderr), ...f.pushStdout(stdout)];
    expectTranscriptResults(results);
    expect(f.nextSeq).toBe(8);
  });

  it("frames byte-by-byte, stdout first", () => {
    const f = new VirshFramer(TOKEN);
    const results: FramedResult[] = [];
    for (let i = 0; i < stdout.length; i++) results.push(...f.pushStdout(stdout.subarray(i, i + 1)));
    expect(results).toEqual([]);
    for (let i = 0; i < stderr.length; i++) results.push(...f.pushStderr(stderr.subarray(i, i + 1)));
    expectTranscriptResults(results);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])("frames random splits and interleavings (seed %i)", (seed) => {
    const rand = rng(seed);
    const f = new VirshFramer(TOKEN);
    const results: FramedResult[] = [];
    let o = 0;
    let e = 0;
    while (o < stdout.length || e < stderr.length) {
      const useOut = e >= stderr.length || (o < stdout.length && rand() < 0.7);
      const n = 1 + Math.floor(rand() * 300);
      if (useOut) {
        results.push(...f.pushStdout(stdout.subarray(o, o + n)));
        o += n;
      } else {
        results.push(...f.pushStderr(stderr.subarray(e, e + n)));
        e += n;
      }
    }
    expectTranscriptResults(results);
    expect(f.pendingBytes).toBeLessThan(64);
  });

  it("keeps multi-byte characters split across chunks intact", () => {
    const f = new VirshFramer(TOKEN);
    f.pushStderr(stderr);
    const at = stdout.indexOf(Buffer.from("ünïcødé"));
    const results = [
      ...f.pushStdout(stdout.subarray(0, at + 1)), // cuts "ü" in half
      ...f.pushStdout(stdout.subarray(at + 1)),
    ];
    expectTranscriptResults(results);
  });
});

describe("VirshFramer", () => {
  const frame = (seq: number, echo: string, output: string) =>
    `virsh # echo ${TOKEN}'B${seq}Z'\n${TOKEN}B${seq}Z` +
    `virsh # ${echo}\n${output}` +
    `virsh # echo ${TOKEN}'E${seq}Z'\n${TOKEN}E${seq}Z` +
    `virsh # echo --err ${TOKEN}'R${seq}Z'\n`;

  it("writes begin marker, command, end marker and stderr marker", () => {
    expect(new VirshFramer(TOKEN).frame(3, "'uri'")).toBe(
      `echo ${TOKEN}'B3Z'\n'uri'\necho ${TOKEN}'E3Z'\necho --err ${TOKEN}'R3Z'\n`,
    );
  });

  it("keeps prompt text inside output and tells 1 from 12", () => {
    const f = new VirshFramer(TOKEN, 1);
    const out = frame(1, "'x'", "virsh # inside\nvirsh # \n") + frame(12, "'y'", "twelve\n");
    const err = `error: ${TOKEN}R1Z\n`;
    expect(f.pushStdout(Buffer.from(out))).toEqual([]);
    expect(f.pushStderr(Buffer.from(err))).toEqual([
      { seq: 1, ok: true, stdout: "virsh # inside\nvirsh # \n", stderr: "" },
    ]);
  });

  it("refuses a transcript without the prompt before the end marker", () => {
    const f = new VirshFramer(TOKEN);
    const broken = `${TOKEN}B0Zvirsh # 'uri'\nqemu:///system\necho ${TOKEN}'E0Z'\n${TOKEN}E0Z`;
    expect(() => f.pushStdout(Buffer.from(broken))).toThrow(HostProtocolError);
  });

  it("refuses a non-hex token", () => {
    expect(() => new VirshFramer("not-hex")).toThrow();
  });
});
