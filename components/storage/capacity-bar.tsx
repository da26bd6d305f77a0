"use client";
import type { StoragePool } from "@/lib/contracts/storage";

/** How full a pool is: a meter, amber above 75 %, red above 90 %. */
export function CapacityBar({ pool, label }: { pool: StoragePool; label: string }) {
  const used = pool.capacityBytes ? Math.min(100, (pool.allocationBytes / pool.capacityBytes) * 100) : 0;
  return (
    <div
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(used)}
      className="h-2 w-full overflow-hidden rounded-full bg-slate-100 dark:bg-slate-800"
      data-testid="pool-capacity"
    >
      <div
        className={used > 90 ? "h-full bg-red-500" : used > 75 ? "h-full bg-amber-500" : "h-full bg-indigo-500"}
        style={{ width: `${used}%` }}
      />
    </div>
  );
}
