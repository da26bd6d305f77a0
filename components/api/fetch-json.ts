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

/** Name of the `<meta>` the signed-in layout renders with the session's CSRF token. */
export const CSRF_META = "csrf-token";

/**
 * The session's CSRF token, read from the page (the signed-in layout renders it), so no component has to
 * carry it. Empty outside a signed-in page: the server then refuses a mutation with `csrf_failed`.
 */
export function csrfToken(): string {
  if (typeof document === "undefined") return "";
  return document.querySelector<HTMLMetaElement>(`meta[name="${CSRF_META}"]`)?.content ?? "";
}

/** Headers for a call to the app's own API: the CSRF token on everything but reads. */
export function apiHeaders(method: string, extra: Record<string, string> = {}): Record<string, string> {
  const headers: Record<string, string> = { ...extra };
  const token = method === "GET" || method === "HEAD" ? "" : csrfToken();
  if (token) headers["x-csrf-token"] = token;
  return headers;
}

/** JSON fetch against the app's own API, sending the session's CSRF token on mutations. */
export async function fetchJson<T>(
  path: string,
  opts: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const method = opts.method ?? (opts.body === undefined ? "GET" : "POST");
  const headers = apiHeaders(method, { accept: "application/json" });
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(path, {
      method,
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
