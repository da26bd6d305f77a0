/**
 * Where to go after sign-in: `next` from the query string, only when it is a path on
 * this app. It is resolved the way a browser resolves it (WHATWG URL: tabs and newlines
 * dropped, `\` read as `/`), against a stand-in origin, and accepted only when it stays
 * on that origin; raw control characters, whitespace and backslashes are refused
 * outright, and so is anything whose resolved form starts with `//`. Everything else
 * goes to `fallback`. Pure: used by the login page (server) and the login form (browser).
 */
const ORIGIN = "http://virtdeck.invalid";

export function safeNextPath(value: string | string[] | null | undefined, fallback = "/"): string {
  const v = Array.isArray(value) ? value[0] : value;
  if (typeof v !== "string" || v.length === 0 || v.length > 2048) return fallback;
  if (/[\u0000-\u0020\u007f-\u009f\\\u00a0\u1680\u2000-\u200f\u2028\u2029\u202f\u205f\u3000\ufeff]/.test(v))
    return fallback;
  if (!v.startsWith("/") || v.startsWith("//")) return fallback;
  let url: URL;
  try {
    url = new URL(v, ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== ORIGIN || url.username || url.password) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  if (!path.startsWith("/") || path.startsWith("//")) return fallback;
  return path;
}
