"use client";

import useSWR, { type SWRConfiguration } from "swr";
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
