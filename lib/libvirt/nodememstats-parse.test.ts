import { describe, expect, it } from "vitest";
import { availableKiB, parseNodeMemStats } from "./nodememstats-parse";

const OUTPUT = `total  :             24684084 KiB
free   :             21234036 KiB
buffers:                39092 KiB
cached :              2228396 KiB
`;

describe("parseNodeMemStats", () => {
  it("reads total, free, buffers and cached in KiB", () => {
    const m = parseNodeMemStats(OUTPUT);
    expect(m).toEqual({ totalKiB: 24684084, freeKiB: 21234036, buffersKiB: 39092, cachedKiB: 2228396 });
    expect(availableKiB(m)).toBe(21234036 + 39092 + 2228396);
  });

  it("refuses output without total or free", () => {
    expect(() => parseNodeMemStats("buffers: 1 KiB\n")).toThrow(/missing total or free/);
  });
});
