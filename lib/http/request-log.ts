/**
 * What the server's request log may say about a request's URL: the path only (query strings carry
 * console tickets and other secrets), with the secret segment of share links replaced.
 */
const SHARE_PATH = /^(\/(?:api\/)?share\/)[^/]+/;

export function requestLogPath(url: string | undefined): string {
  let p = (url ?? "").split(/[?#]/, 1)[0] || "/";
  // An absolute-form request target (proxy style): keep its path only.
  if (!p.startsWith("/")) {
    try {
      p = new URL(p).pathname;
    } catch {
      p = "(invalid)";
    }
  }
  return p.replace(SHARE_PATH, "$1:token").slice(0, 512);
}
