/**
 * Retention of a job's backup points: keep the newest point of each of the last N days, N weeks
 * (ISO weeks, Monday first) and N months that have points (UTC), always the newest point, and
 * every point a kept point needs (an incremental is useless without the points under it).
 * Pure: lib/backup/jobs.ts deletes what it returns.
 */
export interface RetentionPoint {
  id: string;
  createdAt: Date;
  parentId: string | null;
}

export interface Retention {
  keepDaily: number;
  keepWeekly: number;
  keepMonthly: number;
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const month = (d: Date) => d.toISOString().slice(0, 7);
function week(d: Date): string {
  // ISO week: the Thursday of the date's week decides the year.
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const dow = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - dow);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const n = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(n).padStart(2, "0")}`;
}

/** Ids of the points to delete, newest first order of the input not assumed. */
export function retentionPrune(points: readonly RetentionPoint[], r: Retention): string[] {
  if (!points.length) return [];
  const sorted = [...points].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const keep = new Set<string>([sorted[0].id]);
  for (const [n, bucket] of [
    [r.keepDaily, day],
    [r.keepWeekly, week],
    [r.keepMonthly, month],
  ] as const) {
    const seen = new Set<string>();
    for (const p of sorted) {
      if (seen.size >= n) break;
      const b = bucket(p.createdAt);
      if (seen.has(b)) continue;
      seen.add(b);
      keep.add(p.id);
    }
  }
  const byId = new Map(points.map((p) => [p.id, p]));
  for (const id of [...keep]) {
    let cur = byId.get(id)?.parentId;
    while (cur && !keep.has(cur)) {
      keep.add(cur);
      cur = byId.get(cur)?.parentId ?? null;
    }
  }
  return sorted.filter((p) => !keep.has(p.id)).map((p) => p.id);
}
