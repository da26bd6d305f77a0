import "server-only";
import { LibvirtParseError } from "./xml";

/** `virsh nodememstats`: "total  :  24684084 KiB" lines, values in KiB. */
export interface NodeMemStatsWire {
  totalKiB: number;
  freeKiB: number;
  buffersKiB?: number;
  cachedKiB?: number;
}

export function parseNodeMemStats(output: string): NodeMemStatsWire {
  const values = new Map<string, number>();
  for (const line of output.split("\n")) {
    const m = /^\s*(\w+)\s*:\s*(\d+)\s*KiB\s*$/.exec(line);
    if (m) values.set(m[1], Number(m[2]));
  }
  const total = values.get("total");
  const free = values.get("free");
  if (total === undefined || free === undefined) throw new LibvirtParseError("nodememstats", "missing total or free");
  return { totalKiB: total, freeKiB: free, buffersKiB: values.get("buffers"), cachedKiB: values.get("cached") };
}

/** Memory the host could hand to guests without swapping: free plus reclaimable page cache. */
export function availableKiB(m: NodeMemStatsWire): number {
  return m.freeKiB + (m.buffersKiB ?? 0) + (m.cachedKiB ?? 0);
}
