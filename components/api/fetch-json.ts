"use client";

/** Error returned by virtdeck's API: a code, a human message and per-field issues. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: { path: string; message: string }[] = [],
    /** The whole `error` object of the answer (extra fields such as pre-flight `warnings`). */
    readonly data: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** Message of the first issue on a field, for inline form errors. */
  fieldMessage(path: string): string | undefined {
    return this.issues.find((i) => i.path === path)?.message;
  }
}

/** Whatever a failed call threw, as an ApiError (a thrown non-ApiError becomes an "internal" one). */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError(0, "internal", err instanceof Error ? err.message : String(err));
}

/** JSON fetch against the app's own API, sending the session's CSRF token on mutations. */
export async function fetchJson<T>(
  path: string,
  opts: { method?: string; body?: unknown; csrfToken?: string; signal?: AbortSignal } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  if (opts.csrfToken) headers["x-csrf-token"] = opts.csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method: opts.method ?? (opts.body === undefined ? "GET" : "POST"),
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, "network", "The server could not be reached");
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const e = data?.error;
    throw new ApiError(
      res.status,
      e?.code ?? "internal",
      e?.message ?? `Request failed (${res.status})`,
      e?.issues ?? [],
      e && typeof e === "object" ? e : {},
    );
  }
  return data as T;
}
