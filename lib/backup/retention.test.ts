import { describe, expect, it } from "vitest";
import { retentionPrune, type RetentionPoint } from "./retention";

const at = (s: string) => new Date(`${s}Z`);
const p = (id: string, when: string, parentId: string | null = null): RetentionPoint => ({
  id,
  createdAt: at(when),
  parentId,
});

describe("retentionPrune", () => {
  it("keeps the newest point of each of the last N days", () => {
    const pts = [
      p("a", "2026-12-01T02:00:00"),
      p("b", "2026-12-02T02:00:00"),
      p("c", "2026-12-03T02:00:00"),
      p("c2", "2026-12-03T14:00:00"),
    ];
    expect(retentionPrune(pts, { keepDaily: 2, keepWeekly: 0, keepMonthly: 0 }).sort()).toEqual(["a", "c"]);
  });

  it("keeps weekly and monthly points beyond the daily ones", () => {
    const pts = [
      p("oct", "2026-10-15T02:00:00"),
      p("nov1", "2026-11-02T02:00:00"),
      p("nov2", "2026-11-20T02:00:00"),
      p("dec1", "2026-12-01T02:00:00"),
      p("dec7", "2026-12-07T02:00:00"),
    ];
    // 1 daily: dec7; 2 weekly: dec7 (W50), dec1 (W49); 3 monthly: dec7, nov2, oct.
    expect(retentionPrune(pts, { keepDaily: 1, keepWeekly: 2, keepMonthly: 3 })).toEqual(["nov1"]);
  });

  it("never deletes a point a kept incremental is built on", () => {
    const pts = [
      p("full", "2026-12-01T02:00:00"),
      p("i1", "2026-12-02T02:00:00", "full"),
      p("i2", "2026-12-03T02:00:00", "i1"),
      p("full2", "2026-11-01T02:00:00"),
    ];
    expect(retentionPrune(pts, { keepDaily: 1, keepWeekly: 0, keepMonthly: 0 })).toEqual(["full2"]);
  });

  it("always keeps the newest point, even with nothing to keep", () => {
    const pts = [p("a", "2026-12-01T02:00:00"), p("b", "2026-12-02T02:00:00")];
    expect(retentionPrune(pts, { keepDaily: 0, keepWeekly: 0, keepMonthly: 0 })).toEqual(["a"]);
  });
});
