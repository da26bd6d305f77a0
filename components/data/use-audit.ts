"use client";

import useSWRInfinite from "swr/infinite";
import { fetchJson, type ApiError } from "@/components/api/fetch-json";
import type { AuditEventView } from "@/lib/contracts/audit";

/** One page of GET /api/audit, newest first; `nextBefore` is the cursor of the page after it. */
export interface AuditPage {
  events: AuditEventView[];
  nextBefore: string | null;
  total: number;
}

/**
 * The audit log under a filter (`query`: the filter's search parameters), one page after another through
 * SWR's infinite loader: `more()` adds the next page. `initial`: the first page the server render read for
 * this same filter. The shown events stay while another filter loads.
 */
export function useAuditLog(query: string, initial?: AuditPage) {
  const swr = useSWRInfinite<AuditPage, ApiError>(
    (index, previous: AuditPage | null) => {
      if (index === 0) return `/api/audit?${query}`;
      if (!previous?.nextBefore) return null;
      const q = new URLSearchParams(query);
      q.set("before", previous.nextBefore);
      return `/api/audit?${q}`;
    },
    (path: string) => fetchJson<AuditPage>(path),
    {
      revalidateOnFocus: false,
      shouldRetryOnError: false,
      revalidateFirstPage: false,
      keepPreviousData: true,
      fallbackData: initial ? [initial] : undefined,
    },
  );
  const pages = swr.data ?? [];
  return {
    events: pages.flatMap((p) => p.events),
    next: pages.at(-1)?.nextBefore ?? null,
    total: pages[0]?.total ?? 0,
    error: swr.error ?? null,
    busy: swr.isValidating,
    more: () => void swr.setSize((n) => n + 1),
  };
}
