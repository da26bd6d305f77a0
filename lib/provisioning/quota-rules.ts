import { QUOTA_FIELDS, type QuotaAmounts, type QuotaField, type QuotaLimits } from "@/lib/contracts/quota";

export { QUOTA_FIELDS };
export type { QuotaAmounts, QuotaLimits, QuotaView } from "@/lib/contracts/quota";

/** Which usage amount each limit bounds, and how a refusal names it. */
const AMOUNT: Record<QuotaField, { key: keyof QuotaAmounts; what: (n: number) => string }> = {
  maxVms: { key: "vms", what: (n) => `${n} VM${n === 1 ? "" : "s"}` },
  maxVcpus: { key: "vcpus", what: (n) => `${n} vCPU${n === 1 ? "" : "s"}` },
  maxMemoryMiB: { key: "memoryMiB", what: (n) => `${n} MiB of memory` },
  maxDiskGiB: { key: "diskGiB", what: (n) => `${n} GiB of disk` },
};

/**
 * The limits that apply to a user, field by field: their own when set; else the most generous
 * of their groups' that set it (membership in a group with a bigger allowance is how an
 * administrator grants more); else none.
 */
export function quotaMerge(own: QuotaLimits | null, groups: readonly QuotaLimits[]): QuotaLimits {
  const out = {} as QuotaLimits;
  for (const f of QUOTA_FIELDS) {
    const mine = own?.[f] ?? null;
    if (mine !== null) {
      out[f] = mine;
      continue;
    }
    const set = groups.map((g) => g[f]).filter((v): v is number => v !== null);
    out[f] = set.length ? Math.max(...set) : null;
  }
  return out;
}

/**
 * Whether `add` fits next to `usage` under `limits`: null when it does, else a sentence naming
 * every limit it would pass ("allows 4 vCPUs: 3 in use, this needs 2"). Only growth is checked:
 * a user already over a lowered limit may still shrink or keep what they have.
 */
export function quotaCheck(limits: QuotaLimits, usage: QuotaAmounts, add: QuotaAmounts): string | null {
  const over: string[] = [];
  for (const f of QUOTA_FIELDS) {
    const max = limits[f];
    const { key, what } = AMOUNT[f];
    if (max === null || add[key] <= 0) continue;
    if (usage[key] + add[key] > max)
      over.push(`allows ${what(max)}: ${usage[key]} in use, this needs ${add[key]} more`);
  }
  return over.length ? over.join("; ") : null;
}
