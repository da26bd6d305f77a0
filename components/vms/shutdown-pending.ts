"use client";

import { useSyncExternalStore } from "react";

/**
 * Shutdowns the host accepted and the guest may still be working on, per VM (`vmKey`), shared by every
 * place that runs actions (the VM page, the list, the command palette): the VM page shows "Shutting down…"
 * whichever of them asked. Cleared by any other action on the VM; the page stops showing it once the VM is off.
 */
const asked = new Map<string, number>();
const listeners = new Set<() => void>();

export function shutdownAskedSet(key: string, at: number | null): void {
  if (at === null) asked.delete(key);
  else asked.set(key, at);
  for (const l of listeners) l();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** When a shutdown of the VM was last accepted (null: none asked since the page loaded, or another action since). */
export function useShutdownAskedAt(key: string): number | null {
  return useSyncExternalStore(
    subscribe,
    () => asked.get(key) ?? null,
    () => null,
  );
}
