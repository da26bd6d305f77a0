import { describe, expect, it } from "vitest";
import { rangeParse } from "./byte-range";

describe("rangeParse", () => {
  it("serves the whole volume without a Range or with one it does not offer", () => {
    expect(rangeParse(null, 100)).toBeNull();
    expect(rangeParse("bytes=-", 100)).toBeNull();
    expect(rangeParse("bytes=0-1,5-6", 100)).toBeNull();
    expect(rangeParse("items=0-1", 100)).toBeNull();
  });

  it("reads a start-end, an open end (resume) and a suffix, clamped to the volume", () => {
    expect(rangeParse("bytes=0-9", 100)).toEqual({ start: 0, end: 9 });
    expect(rangeParse("bytes=40-", 100)).toEqual({ start: 40, end: 99 });
    expect(rangeParse("bytes=90-500", 100)).toEqual({ start: 90, end: 99 });
    expect(rangeParse("bytes=-10", 100)).toEqual({ start: 90, end: 99 });
    expect(rangeParse("bytes=-500", 100)).toEqual({ start: 0, end: 99 });
  });

  it("answers unsatisfiable outside the volume", () => {
    expect(rangeParse("bytes=100-", 100)).toBe("unsatisfiable");
    expect(rangeParse("bytes=9-3", 100)).toBe("unsatisfiable");
    expect(rangeParse("bytes=-0", 100)).toBe("unsatisfiable");
    expect(rangeParse("bytes=0-", 0)).toBe("unsatisfiable");
  });
});
