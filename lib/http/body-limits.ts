import { env } from "@/lib/env";
import { AppError } from "@/lib/http/errors";

/**
 * Request body budgets. A body is read as a stream and counted; the read stops at
 * the budget (413 `payload_too_large`), so no request can make the server hold
 * more than its budget in memory, whatever Content-Length or chunking it uses.
 */

/** Sign-in, second factor, first-run setup: unauthenticated callers get a small budget. */
export const AUTH_BODY_MAX_BYTES = 16 * 1024;

/** JSON bodies of signed-in routes (VIRTDECK_JSON_BODY_MAX_BYTES, default 1 MiB). */
export function jsonBodyMaxBytes(): number {
  return env().VIRTDECK_JSON_BODY_MAX_BYTES;
}

const UPLOAD_PATH = /^\/api\/hosts\/[^/]+\/storage\/upload$/;

/**
 * The most any request to `pathname` may carry: what the custom server refuses
 * from a declared Content-Length before the app sees it. The route's own budget
 * (often smaller) is enforced while its body is read.
 */
export function bodyCeilingFor(pathname: string): number {
  if (UPLOAD_PATH.test(pathname)) return env().VIRTDECK_UPLOAD_MAX_BYTES;
  if (pathname.startsWith("/api/auth/") || pathname === "/api/setup") return AUTH_BODY_MAX_BYTES;
  // Pages take Server Action posts (next.config.js bodySizeLimit, 1 MiB) and nothing larger.
  return Math.max(jsonBodyMaxBytes(), 1024 * 1024);
}

export function payloadTooLarge(max: number): AppError {
  return new AppError("payload_too_large", `Request body is larger than ${max} bytes`);
}

/**
 * Reads a web stream body into memory, at most `max` bytes. Past the budget the
 * stream is cancelled (nothing more is read) and payload_too_large is thrown.
 */
export async function bodyReadLimited(body: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > max) {
        await reader.cancel().catch(() => {});
        throw payloadTooLarge(max);
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** The declared Content-Length, when the request has a valid one. */
export function declaredLength(value: string | null | undefined): number | null {
  if (value == null || !/^\d{1,16}$/.test(value.trim())) return null;
  return Number(value.trim());
}
