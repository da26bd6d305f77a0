import { ApiError, apiHeaders } from "@/components/api/fetch-json";
import { isConsoleKind, type ConsoleKind, type ConsoleMode } from "@/components/console/kinds";

/** 201 of POST /api/vms/:hostId/:uuid/console. `url` carries the ticket: never show or log it. */
export interface ConsoleTicket {
  url: string;
  expiresAt: string;
  viewOnly: boolean;
  kind: ConsoleKind;
  /** SPICE: the display password the server set for this console (main channel only). */
  password?: string;
}

export interface ConsoleHolder {
  username: string;
  kind: ConsoleKind;
  viewOnly: boolean;
  since: string;
}

export type TicketResult =
  { ok: true; ticket: ConsoleTicket } | { ok: false; held: ConsoleHolder[] } | { ok: false; error: ApiError };

export function consoleApiPath(hostId: string, uuid: string): string {
  return `/api/vms/${encodeURIComponent(hostId)}/${encodeURIComponent(uuid)}/console`;
}

/**
 * Mints a one-use console ticket. A 409 console_held carries the holders, which
 * the shared fetchJson drops, so this one reads the body itself.
 */
export async function ticketMint(o: {
  hostId: string;
  uuid: string;
  kind: ConsoleKind;
  mode: ConsoleMode;
  signal?: AbortSignal;
  /** SPICE: "extra" for a further channel of an open console (keeps its password). */
  channel?: "main" | "extra";
  /** With "extra": the path of the console's main channel (its ticket names the console). */
  mainUrl?: string;
}): Promise<TicketResult> {
  return ticketRequest(
    consoleApiPath(o.hostId, o.uuid),
    {
      headers: apiHeaders("POST", { accept: "application/json", "content-type": "application/json" }),
      body: JSON.stringify({
        kind: o.kind,
        mode: o.mode,
        ...(o.channel ? { channel: o.channel } : {}),
        ...(o.mainUrl ? { main: ticketOfUrl(o.mainUrl) } : {}),
      }),
      credentials: "same-origin",
      signal: o.signal,
    },
    o.kind,
  );
}

/**
 * POSTs a ticket request (a signed-in user's, or a share link's) and reads the answer: the ticket,
 * the holders of a 409 console_held, or the error. `kind` stands in for a kind the answer lacks.
 */
export async function ticketRequest(
  url: string,
  init: Omit<RequestInit, "method">,
  kind: ConsoleKind,
): Promise<TicketResult> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, method: "POST" });
  } catch (err) {
    if (init.signal?.aborted) throw err;
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
        kind: isConsoleKind(data.kind) ? data.kind : kind,
        // The display password the server set for this console (SPICE; VNC when configured).
        ...(typeof data.password === "string" ? { password: data.password } : {}),
      },
    };
  }
  const e = (data?.error ?? {}) as { code?: string; message?: string; holders?: unknown };
  if (res.status === 409 && e.code === "console_held") return { ok: false, held: holdersParse(e.holders, kind) };
  return {
    ok: false,
    error: new ApiError(res.status, e.code ?? "internal", e.message ?? `Request failed (${res.status})`),
  };
}

function holdersParse(v: unknown, kind: ConsoleKind): ConsoleHolder[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((h) => {
    if (!h || typeof h !== "object") return [];
    const r = h as Record<string, unknown>;
    if (typeof r.username !== "string") return [];
    return [
      {
        username: r.username,
        kind: isConsoleKind(r.kind) ? r.kind : kind,
        viewOnly: r.viewOnly === true,
        since: typeof r.since === "string" ? r.since : "",
      },
    ];
  });
}

/** The ticket a console path carries (`/ws/console?ticket=...`): an extra SPICE channel names its console by it. */
export function ticketOfUrl(path: string): string {
  return new URL(path, "http://x").searchParams.get("ticket") ?? "";
}

/** The websocket address of a ticket's path, on the page's own origin. */
export function consoleSocketUrl(path: string): string {
  return location.origin.replace(/^http/, "ws") + path;
}

/** Opens a console websocket the way the server expects it (subprotocol "binary"). */
export function consoleSocketOpen(path: string): WebSocket {
  const ws = new WebSocket(consoleSocketUrl(path), ["binary"]);
  ws.binaryType = "arraybuffer";
  return ws;
}

/**
 * Downloads a .vv file for a native SPICE viewer (POST .../console/vv): the browser saves it and the
 * system opens it with remote-viewer. Resolves with an error message, or null when saved.
 */
export async function vvDownload(o: { hostId: string; uuid: string }): Promise<string | null> {
  let res: Response;
  try {
    res = await fetch(`${consoleApiPath(o.hostId, o.uuid)}/vv`, {
      method: "POST",
      headers: apiHeaders("POST"),
      credentials: "same-origin",
    });
  } catch {
    return "The server could not be reached";
  }
  if (!res.ok) {
    const data = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    return data?.error?.message ?? `Request failed (${res.status})`;
  }
  const name = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? "console.vv";
  const href = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = href;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
  return null;
}
