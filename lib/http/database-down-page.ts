import type { IncomingMessage, ServerResponse } from "node:http";
import { databasePing } from "@/lib/db/client";
import { catalogueLoad } from "@/lib/i18n/catalogue";
import { LOCALE_COOKIE, type Locale } from "@/lib/i18n/config";
import { localeResolve } from "@/lib/i18n/negotiate";

/**
 * A page (a browser navigation) while the database is down: answered here, by the custom server
 * before Next renders anything, with 503 and a short page saying the database is unavailable in
 * the visitor's language; otherwise every page would fail with Next's bare 500. API routes map
 * the outage themselves (lib/http/route.ts); assets and websockets never reach this.
 */
function isPageRequest(req: IncomingMessage): boolean {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  const path = (req.url ?? "/").split("?")[0];
  if (path.startsWith("/api/") || path.startsWith("/_next/") || path.startsWith("/ws/")) return false;
  // Files (favicon.ico, robots.txt, images) are not pages.
  return !/\.[a-z0-9]+$/i.test(path);
}

function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of (header ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return null;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function messageOf(locale: Locale): Promise<string> {
  const errors = (await catalogueLoad(locale)).common?.errors;
  const text = typeof errors === "object" ? errors.databaseUnavailable : undefined;
  return typeof text === "string" ? text : "The database is unavailable. Try again in a moment.";
}

/** True when it answered the request (a page, the database down). */
export async function pageWhenDatabaseDown(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (!isPageRequest(req) || (await databasePing())) return false;
  const locale = localeResolve({
    cookie: cookieValue(req.headers.cookie, LOCALE_COOKIE),
    acceptLanguage: req.headers["accept-language"],
  });
  const text = escape(await messageOf(locale));
  const body = `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><title>virtdeck</title></head><body><main><h1>virtdeck</h1><p>${text}</p></main></body></html>`;
  res.writeHead(503, {
    "content-type": "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "retry-after": "5",
    "cache-control": "no-store",
  });
  res.end(req.method === "HEAD" ? undefined : body);
  return true;
}
