import { describe, expect, it } from "vitest";
import { retentionVictims, scheduledSnapshotName, scheduleNextRun, scheduleNextRuns } from "./schedule-times";

const at = (s: string) => new Date(s);

describe("schedule times (UTC)", () => {
  it("every 4 hours: on the hour, multiples of 4 since midnight, strictly after", () => {
    expect(scheduleNextRun({ mode: "hours", hours: 4 }, at("2026-12-07T15:17:00Z")).toISOString()).toBe(
      "2026-12-07T16:00:00.000Z",
    );
    expect(scheduleNextRun({ mode: "hours", hours: 4 }, at("2026-12-07T16:00:00Z")).toISOString()).toBe(
      "2026-12-07T20:00:00.000Z",
    );
    expect(
      scheduleNextRuns({ mode: "hours", hours: 4 }, at("2026-12-07T21:00:00Z"), 3).map((d) => d.toISOString()),
    ).toEqual(["2026-12-08T00:00:00.000Z", "2026-12-08T04:00:00.000Z", "2026-12-08T08:00:00.000Z"]);
  });

  it("daily at 02:00: today when still ahead, else tomorrow", () => {
    expect(scheduleNextRun({ mode: "daily", at: "02:00" }, at("2026-12-07T01:59:59Z")).toISOString()).toBe(
      "2026-12-07T02:00:00.000Z",
    );
    expect(scheduleNextRun({ mode: "daily", at: "02:00" }, at("2026-12-07T02:00:00Z")).toISOString()).toBe(
      "2026-12-08T02:00:00.000Z",
    );
    expect(scheduleNextRun({ mode: "daily", at: "23:45" }, at("2026-12-31T23:50:00Z")).toISOString()).toBe(
      "2027-01-01T23:45:00.000Z",
    );
  });

  it("names scheduled snapshots by their run time", () => {
    expect(scheduledSnapshotName(at("2026-12-07T04:00:00Z"))).toBe("auto-20261207-0400");
  });

  it("retention keeps the newest N and hands back the rest, oldest first; never all", () => {
    const made = [1, 5, 3, 2, 4].map((d) => ({ n: d, createdAt: new Date(Date.UTC(2026, 11, d)) }));
    expect(retentionVictims(made, 3).map((m) => m.n)).toEqual([1, 2]);
    expect(retentionVictims(made, 5)).toEqual([]);
    expect(retentionVictims(made, 0).map((m) => m.n)).toEqual([1, 2, 3, 4]);
  });
});
