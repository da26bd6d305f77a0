import {
  expect,
  test,
  type APIRequestContext,
  type APIResponse,
  type Browser,
  type BrowserContext,
  type Cookie,
  type Page,
  type Response,
} from "@playwright/test";
import type { Account } from "./accounts";

/** The session cookie set by /api/auth/login and /api/setup (lib/auth/session.ts). */
export const SESSION_COOKIE = "vd_session";

/** Signs in through the API; the cookie lands in `request`'s context (page.request shares the page's). */
export async function loginApi(
  request: APIRequestContext,
  account: Pick<Account, "username" | "password">,
): Promise<void> {
  const res = await request.post("/api/auth/login", {
    data: { username: account.username, password: account.password },
  });
  expect(res.status(), `sign-in of ${account.username}: ${await res.text()}`).toBe(200);
}

/** Signs in through the login page and waits for the console. */
export async function loginUi(page: Page, account: Pick<Account, "username" | "password">): Promise<void> {
  await page.goto("/login");
  await page.getByTestId("login-username").fill(account.username);
  await page.getByTestId("login-password").fill(account.password);
  await page.getByTestId("login-submit").click();
  await expect(page).toHaveURL(/\/vms(\?|$)/);
}

/**
 * Submits the login form and returns the API's answer, so a spec can assert the
 * status before the (identical-looking) error message of a previous attempt.
 */
export async function submitLogin(page: Page, username: string, password: string): Promise<Response> {
  await page.getByTestId("login-username").fill(username);
  await page.getByTestId("login-password").fill(password);
  const answer = page.waitForResponse(
    (r) => new URL(r.url()).pathname === "/api/auth/login" && r.request().method() === "POST",
  );
  await page.getByTestId("login-submit").click();
  return answer;
}

/** JSON calls against virtdeck's API as the signed-in user of a context, with its CSRF token on mutations. */
export interface Api {
  csrfToken: string;
  get(path: string): Promise<APIResponse>;
  post(path: string, data?: unknown): Promise<APIResponse>;
  patch(path: string, data: unknown): Promise<APIResponse>;
  delete(path: string): Promise<APIResponse>;
}

/** Reads the CSRF token of the context's session from GET /api/auth/me. */
export async function api(request: APIRequestContext): Promise<Api> {
  const me = await request.get("/api/auth/me");
  expect(me.status(), "api() needs a signed-in context").toBe(200);
  const { csrfToken } = (await me.json()) as { csrfToken: string };
  expect(csrfToken).toBeTruthy();
  const headers = { "x-csrf-token": csrfToken };
  return {
    csrfToken,
    get: (path) => request.get(path),
    post: (path, data) => request.post(path, { headers, data }),
    patch: (path, data) => request.patch(path, { headers, data }),
    delete: (path) => request.delete(path, { headers }),
  };
}

/** The base URL of the app under test, from playwright.config.ts (`use.baseURL`). */
export function baseURL(): string {
  const url = test.info().project.use.baseURL;
  if (!url) throw new Error("playwright.config.ts must set use.baseURL");
  return url;
}

export interface SignedIn {
  context: BrowserContext;
  page: Page;
  api: Api;
}

/**
 * A separate browser context (its own cookie jar) signed in as `account`: a
 * second person at another browser. Usable in beforeAll hooks too. Close it with
 * `context.close()`.
 */
export async function signedInContext(
  browser: Browser,
  account: Pick<Account, "username" | "password">,
): Promise<SignedIn> {
  const context = await browser.newContext({ baseURL: baseURL() });
  const page = await context.newPage();
  await loginApi(page.request, account);
  return { context, page, api: await api(page.request) };
}

export async function sessionCookie(context: BrowserContext): Promise<Cookie> {
  const cookie = (await context.cookies()).find((c) => c.name === SESSION_COOKIE);
  expect(cookie, `${SESSION_COOKIE} cookie`).toBeDefined();
  return cookie!;
}

/** Expects virtdeck's error shape: `{ error: { code, message } }` with the given status. */
export async function expectApiError(res: APIResponse, status: number, code: string, message?: RegExp | string) {
  const text = await res.text();
  expect(res.status(), text).toBe(status);
  const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
  expect(body.error?.code, text).toBe(code);
  if (message !== undefined) expect(body.error?.message).toMatch(message);
  return body;
}
