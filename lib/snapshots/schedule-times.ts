import type { SnapshotScheduleSpec } from "@/lib/contracts/snapshot";

/**
 * When a snapshot schedule runs (UTC): "every N hours" at minute 0 of each hour whose number since
 * 1970-01-01T00:00Z is a multiple of N (so every 4 hours = 00:00, 04:00, ... like cron's 0 *\/4 * * *),
 * "daily at HH:MM" once a day. Pure: the scheduler and the list of next runs both use it.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export type ScheduleEvery = SnapshotScheduleSpec["every"];

/** The first run strictly after `from`. */
export function scheduleNextRun(every: ScheduleEvery, from: Date): Date {
  const t = from.getTime();
  if (every.mode === "hours") {
    const step = every.hours * HOUR;
    return new Date((Math.floor(t / step) + 1) * step);
  }
  const [h, m] = every.at.split(":").map(Number) as [number, number];
  const offset = (h * 60 + m) * 60_000;
  const dayStart = Math.floor(t / DAY) * DAY;
  const today = dayStart + offset;
  return new Date(today > t ? today : today + DAY);
}

/** The next `count` runs after `from`, soonest first. */
export function scheduleNextRuns(every: ScheduleEvery, from: Date, count: number): Date[] {
  const out: Date[] = [];
  let at = from;
  for (let i = 0; i < count; i++) {
    at = scheduleNextRun(every, at);
    out.push(at);
  }
  return out;
}

/** A scheduled snapshot's name: "auto-20261207-0400" (UTC), unique per run time. */
export function scheduledSnapshotName(at: Date): string {
  const iso = at.toISOString();
  return `auto-${iso.slice(0, 10).replace(/-/g, "")}-${iso.slice(11, 16).replace(":", "")}`;
}

/** The newest `keep` stay; the rest (oldest first) go. */
export function retentionVictims<T extends { createdAt: Date }>(made: T[], keep: number): T[] {
  const newestFirst = [...made].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  return newestFirst.slice(Math.max(1, keep)).reverse();
}
