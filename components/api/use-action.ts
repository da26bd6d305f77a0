"use client";
import { useState } from "react";
import { ApiError } from "./fetch-json";

/**
 * A dialog's one server action: `busy` while it runs, the server's message in `error` when it fails
 * (kept until the next run or `setError`), `onDone` when it succeeded.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = (work: () => Promise<unknown>, onDone?: () => void) => {
    setBusy(true);
    setError(null);
    work()
      .then(() => onDone?.())
      .catch((err: unknown) => setError(err instanceof ApiError ? err.message : String(err)))
      .finally(() => setBusy(false));
  };
  return { busy, error, setError, run };
}
