import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseNodeInfo } from "./nodeinfo-parse";
import { LibvirtParseError } from "./xml";

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, "__fixtures__", name), "utf8");

describe("parseNodeInfo", () => {
  it("reads `virsh nodeinfo`", () => {
    expect(parseNodeInfo(fixture("nodeinfo.txt"))).toEqual({
      cpuModel: "x86_64",
      cpus: 2,
      mhz: 2599,
      sockets: 1,
      coresPerSocket: 2,
      threadsPerCore: 1,
      numaCells: 1,
      memoryKiB: 6252748,
    });
  });

  it("throws when a field is missing or malformed", () => {
    const text = fixture("nodeinfo.txt");
    expect(() => parseNodeInfo(text.replace(/^Memory size:.*$/m, ""))).toThrow(/missing memoryKiB/);
    expect(() => parseNodeInfo(text.replace("2599 MHz", "fast"))).toThrow(LibvirtParseError);
  });
});
