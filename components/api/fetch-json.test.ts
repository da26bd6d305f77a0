import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, fetchJson, toApiError } from "./fetch-json";

afterEach(() => {
  vi.unstubAllGlobals();
});

/** A stand-in `document` holding the signed-in layout's `<meta name="csrf-token">`. */
function pageWithToken(token: string | null) {
  vi.stubGlobal("document", {
    querySelector: (sel: string) => (sel === 'meta[name="csrf-token"]' && token !== null ? { content: token } : null),
  });
}

function recordFetch(answer: { status: number; body: unknown }) {
  const calls: { url: string; init: RequestInit }[] = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(JSON.stringify(answer.body), { status: answer.status });
  });
  return calls;
}

describe("toApiError", () => {
  it("keeps an ApiError (its field issues reach the form) and wraps anything else", () => {
    const api = new ApiError(422, "invalid_input", "name: bad", [{ path: "name", message: "bad" }]);
    expect(toApiError(api)).toBe(api);
    expect(toApiError(api).fieldMessage("name")).toBe("bad");
    expect(toApiError(new Error("boom"))).toMatchObject({ status: 0, code: "internal", message: "boom" });
    expect(toApiError("text").message).toBe("text");
  });
});

describe("fetchJson", () => {
  it("sends the page's CSRF token on a mutation, read from the layout's meta tag", async () => {
    pageWithToken("tok-123");
    const calls = recordFetch({ status: 200, body: { ok: true } });
    await fetchJson("/api/users", { body: { a: 1 } });
    await fetchJson("/api/users/1", { method: "DELETE" });
    expect(calls.map((c) => c.init.method)).toEqual(["POST", "DELETE"]);
    for (const c of calls) expect((c.init.headers as Record<string, string>)["x-csrf-token"]).toBe("tok-123");
  });

  it("sends no token on a read, nor when the page has none", async () => {
    pageWithToken("tok-123");
    const calls = recordFetch({ status: 200, body: [] });
    await fetchJson("/api/vms");
    pageWithToken(null);
    await fetchJson("/api/users", { body: {} });
    for (const c of calls) expect(c.init.headers).not.toHaveProperty("x-csrf-token");
  });

  it("throws the server's error as an ApiError with its field issues", async () => {
    pageWithToken("t");
    recordFetch({
      status: 422,
      body: { error: { code: "invalid", message: "Bad name", issues: [{ path: "name", message: "Too short" }] } },
    });
    const err = await fetchJson("/api/users", { body: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).fieldMessage("name")).toBe("Too short");
  });
});
