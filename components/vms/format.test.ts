import { describe, expect, it } from "vitest";
import { sizeParts, uptimeParts, usedPercent } from "@/components/vms/format";

describe("sizeParts", () => {
  it("picks the largest binary unit", () => {
    expect(sizeParts(0)).toEqual({ value: 0, unit: "B" });
    expect(sizeParts(1023)).toEqual({ value: 1023, unit: "B" });
    expect(sizeParts(1536)).toEqual({ value: 1.5, unit: "KiB" });
    expect(sizeParts(64 * 1024 * 1024)).toEqual({ value: 64, unit: "MiB" });
    expect(sizeParts(3 * 1024 ** 4)).toEqual({ value: 3, unit: "TiB" });
  });
});

describe("uptimeParts", () => {
  it("splits seconds into days, hours, minutes and seconds", () => {
    expect(uptimeParts(2 * 86400 + 3 * 3600 + 4 * 60 + 5)).toEqual({ days: 2, hours: 3, minutes: 4, seconds: 5 });
    expect(uptimeParts(-3)).toEqual({ days: 0, hours: 0, minutes: 0, seconds: 0 });
  });
});

describe("usedPercent", () => {
  it("is the used share, or null when free memory is unknown", () => {
    expect(usedPercent(1000, 250)).toBe(75);
    expect(usedPercent(1000, null)).toBeNull();
    expect(usedPercent(0, 0)).toBeNull();
  });
});
