"use client";

import { useApi } from "@/components/data/use-api";

/** API tokens (GET /api/tokens): the caller's own, or with "all" every user's (user.manage). */
export function useApiTokens<T>(scope: "own" | "all") {
  return useApi<T>(scope === "all" ? "/api/tokens?all=1" : "/api/tokens");
}

/** The caller's two-factor status (GET /api/account/totp); `initial` from the page's server render. */
export function useTotpStatus<T>(initial: T) {
  return useApi<{ totp: T }>("/api/account/totp", { fallbackData: { totp: initial } });
}
