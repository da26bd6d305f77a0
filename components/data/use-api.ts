"use client";

import { useCallback } from "react";
import useSWR, { useSWRConfig, type KeyedMutator, type SWRConfiguration } from "swr";
import { fetchJson, type ApiError } from "@/components/api/fetch-json";

/**
 * Reads stay on screen until the user asks again (a Retry button, a mutation's revalidate, a live event):
 * no refetch on every window focus, no silent retry loop behind an error banner.
 */
const READ_DEFAULTS: SWRConfiguration = { revalidateOnFocus: false, shouldRetryOnError: false };

/**
 * GET one resource of the app's API through SWR: cached per path (pages and dialogs showing the same
 * resource share one request and one copy), revalidated on reconnect and on `mutate()`. `path` null: nothing
 * to load (yet). Every `use*` resource hook in this folder is built on it.
 */
export function useApi<T>(path: string | null, config?: SWRConfiguration<T, ApiError>) {
  return useSWR<T, ApiError>(path, (p: string) => fetchJson<T>(p), { ...READ_DEFAULTS, ...config });
}

export const enc = encodeURIComponent;

/**
 * Applies `change` to the cached answer of `path` without asking the server (a live event, a mutation's
 * answer). Returns false, changing nothing, while nothing is loaded yet: SWR drops the answer of a load in
 * flight when the cache was written after it started, so patching an empty cache would lose the first load
 * (the caller revalidates instead).
 */
export function usePatch<T>(path: string | null, mutate: KeyedMutator<T>) {
  const { cache } = useSWRConfig();
  return useCallback(
    (change: (data: T) => T): boolean => {
      if (path === null || cache.get(path)?.data === undefined) return false;
      void mutate((d) => (d === undefined ? d : change(d)), { revalidate: false });
      return true;
    },
    [cache, path, mutate],
  );
}

/** Sorts by `name`, as the lists of hosts, templates, roles and groups are shown. */
export const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

/**
 * A list resource answered as `{ [field]: T[] }` (other fields of the answer kept). `put` and `drop` apply
 * what a mutation answered to the cache at once, without a reload; `reload` asks the server again.
 */
export function useList<T extends { id: string }>(
  path: string | null,
  field: string,
  order?: (a: T, b: T) => number,
  /** What the page's server render already read: shown at once, then revalidated. */
  initial?: T[],
) {
  const swr = useApi<Record<string, T[]>>(path, initial ? { fallbackData: { [field]: initial } } : undefined);
  const { mutate } = swr;
  const patch = usePatch(path, mutate);
  const edit = useCallback(
    (change: (items: T[]) => T[]) => {
      if (!patch((d) => ({ ...d, [field]: change(d[field] ?? []) }))) void mutate();
    },
    [patch, mutate, field],
  );
  const put = useCallback(
    (item: T) =>
      edit((items) => {
        const next = [...items.filter((x) => x.id !== item.id), item];
        return order ? next.sort(order) : next;
      }),
    [edit, order],
  );
  const drop = useCallback((id: string) => edit((items) => items.filter((x) => x.id !== id)), [edit]);
  return {
    items: swr.data?.[field] ?? null,
    data: swr.data,
    error: swr.error ?? null,
    loading: swr.isLoading,
    put,
    drop,
    reload: useCallback(async () => {
      await mutate();
    }, [mutate]),
  };
}
