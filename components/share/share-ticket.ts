import { ApiError } from "@/components/api/fetch-json";
import { isConsoleKind, type ConsoleKind } from "@/components/console/kinds";
import type { ConsoleHolder, ConsoleTicket } from "@/components/console/ticket";

export type ShareTicketResult = { ok: true; ticket: ConsoleTicket } | { ok: false; held: ConsoleHolder[] } | { ok: false; error: ApiError };

/**
 * Mints a console ticket through a share link (POST /api/share/:token/ticket): no session, no
 * CSRF token, the link is the credential. A 409 console_held carries the holders.
 */
export async function shareTicketMint(o: { token: string; kind: ConsoleKind; mode: "interactive" | "view"; channel?: "main" | "extra"; signal?: AbortSignal }): Promise<ShareTicketResult> {
  let res: Response;
  try {
    res = await fetch(`/api/share/${encodeURIComponent(o.token)}/ticket`, {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/json" },
      body: JSON.stringify({ mode: o.mode, channel: o.channel ?? "main" }),
      credentials: "omit",
      referrerPolicy: "no-referrer",
      signal: o.signal,
    });
  } catch (err) {
    if (o.signal?.aborted) throw err;
    return { ok: false, error: new ApiError(0, "network", "The server could not be reached") };
  }
  const data = (await res.json().catch(() => null)) as Record<string, unknown> | null;
  if (res.ok && data && typeof data.url === "string") {
    return {
      ok: true,
      ticket: {
        url: data.url,
        expiresAt: String(data.expiresAt ?? ""),
        viewOnly: data.viewOnly === true,
        kind: isConsoleKind(data.kind) ? data.kind : o.kind,
        // The display password the server set for this console (SPICE; VNC when configured).
        ...(typeof data.password === "string" ? { password: data.password } : {}),
      },
    };
  }
  const e = (data?.error ?? {}) as { code?: string; message?: string; holders?: unknown };
  if (res.status === 409 && e.code === "console_held") {
    const held = Array.isArray(e.holders)
      ? e.holders.flatMap((h) => {
          const r = (h ?? {}) as Record<string, unknown>;
          return typeof r.username === "string"
            ? [{ username: r.username, kind: isConsoleKind(r.kind) ? r.kind : o.kind, viewOnly: r.viewOnly === true, since: typeof r.since === "string" ? r.since : "" }]
            : [];
        })
      : [];
    return { ok: false, held };
  }
  return { ok: false, error: new ApiError(res.status, e.code ?? "internal", e.message ?? `Request failed (${res.status})`) };
}

/** Why a shared console closed, from the server's 4003 reason (lib/consoles/share-links.ts). */
export function shareCloseKey(reason: string): "closed.revoked" | "closed.expired" | "closed.forbidden" | null {
  if (/share link revoked/i.test(reason)) return "closed.revoked";
  if (/share link expired/i.test(reason)) return "closed.expired";
  if (/permission revoked|no longer use/i.test(reason)) return "closed.forbidden";
  return null;
}
