import type { ConsoleKind } from "@/components/console/kinds";
import { ticketOfUrl, ticketRequest, type TicketResult } from "@/components/console/ticket";

/**
 * Mints a console ticket through a share link (POST /api/share/:token/ticket): no session, no
 * CSRF token, the link is the credential. A 409 console_held carries the holders.
 */
export function shareTicketMint(o: {
  token: string;
  kind: ConsoleKind;
  mode: "interactive" | "view";
  channel?: "main" | "extra";
  mainUrl?: string;
  signal?: AbortSignal;
}): Promise<TicketResult> {
  return ticketRequest(
    `/api/share/${encodeURIComponent(o.token)}/ticket`,
    {
      headers: { accept: "application/json", "content-type": "application/json" },
      body: JSON.stringify({
        mode: o.mode,
        channel: o.channel ?? "main",
        ...(o.mainUrl ? { main: ticketOfUrl(o.mainUrl) } : {}),
      }),
      credentials: "omit",
      referrerPolicy: "no-referrer",
      signal: o.signal,
    },
    o.kind,
  );
}

/** Why a shared console closed, from the server's 4003 reason (lib/consoles/share-links.ts). */
export function shareCloseKey(reason: string): "closed.revoked" | "closed.expired" | "closed.forbidden" | null {
  if (/share link revoked/i.test(reason)) return "closed.revoked";
  if (/share link expired/i.test(reason)) return "closed.expired";
  if (/permission revoked|no longer use/i.test(reason)) return "closed.forbidden";
  return null;
}
