import { afterEach, describe, expect, it, vi } from "vitest";
import { ticketRequest } from "@/components/console/ticket";

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

describe("ticketRequest", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("POSTs and reads a ticket, with the display password when there is one", async () => {
    const fetchMock = vi.fn(async () =>
      json(201, {
        url: "/ws/console?ticket=t",
        expiresAt: "2026-01-01T00:00:30Z",
        viewOnly: true,
        kind: "spice",
        password: "pw",
      }),
    );
    vi.stubGlobal("fetch", fetchMock);
    const r = await ticketRequest("/api/share/x/ticket", { credentials: "omit" }, "vnc");
    expect(r).toEqual({
      ok: true,
      ticket: {
        url: "/ws/console?ticket=t",
        expiresAt: "2026-01-01T00:00:30Z",
        viewOnly: true,
        kind: "spice",
        password: "pw",
      },
    });
    expect(fetchMock).toHaveBeenCalledWith("/api/share/x/ticket", { credentials: "omit", method: "POST" });
  });

  it("reads the holders of a 409 console_held, the requested kind standing in for a missing one", async () => {
    vi.stubGlobal("fetch", async () =>
      json(409, {
        error: {
          code: "console_held",
          message: "held",
          holders: [
            { username: "ada", kind: "serial", viewOnly: false, since: "s" },
            { username: "bob" },
            null,
            { kind: "vnc" },
          ],
        },
      }),
    );
    const r = await ticketRequest("/u", {}, "spice");
    expect(r).toEqual({
      ok: false,
      held: [
        { username: "ada", kind: "serial", viewOnly: false, since: "s" },
        { username: "bob", kind: "spice", viewOnly: false, since: "" },
      ],
    });
  });

  it("turns other answers and network failures into an ApiError", async () => {
    vi.stubGlobal("fetch", async () => json(403, { error: { code: "forbidden", message: "No console for you" } }));
    const denied = await ticketRequest("/u", {}, "vnc");
    expect(
      denied.ok === false && "error" in denied && [denied.error.status, denied.error.code, denied.error.message],
    ).toEqual([403, "forbidden", "No console for you"]);
    vi.stubGlobal("fetch", async () => {
      throw new TypeError("fetch failed");
    });
    const offline = await ticketRequest("/u", {}, "vnc");
    expect(offline.ok === false && "error" in offline && [offline.error.status, offline.error.code]).toEqual([
      0,
      "network",
    ]);
  });

  it("rethrows when the caller aborted", async () => {
    const ac = new AbortController();
    ac.abort();
    vi.stubGlobal("fetch", async () => {
      throw new DOMException("aborted", "AbortError");
    });
    await expect(ticketRequest("/u", { signal: ac.signal }, "vnc")).rejects.toThrow("aborted");
  });
});
