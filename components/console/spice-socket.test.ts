import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SPICE_SCHEME, TicketSocket, installSpiceSockets } from "./spice-socket";

/** A stand-in for the browser's WebSocket that records what is opened and sent. */
class FakeWebSocket extends EventTarget {
  static opened: FakeWebSocket[] = [];
  binaryType = "blob";
  protocol = "";
  bufferedAmount = 0;
  sent: unknown[] = [];
  closedWith: number | undefined;
  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {
    super();
    FakeWebSocket.opened.push(this);
  }
  send(d: unknown) {
    this.sent.push(d);
  }
  close(code?: number) {
    this.closedWith = code;
  }
  serverOpens() {
    this.protocol = "binary";
    this.dispatchEvent(new Event("open"));
  }
  serverCloses(code: number, reason: string) {
    this.dispatchEvent(Object.assign(new Event("close"), { code, reason, wasClean: true }));
  }
}

const g = globalThis as unknown as { window?: { WebSocket: unknown }; location?: { origin: string } };
const tick = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  FakeWebSocket.opened = [];
  g.window = { WebSocket: FakeWebSocket };
  g.location = { origin: "https://deck.example" };
});

afterEach(() => {
  delete g.window;
  delete g.location;
});

describe("installSpiceSockets", () => {
  it("gives every SPICE channel its own ticket: the minted one first, then fresh ones", async () => {
    const closes: [number, number | null][] = [];
    let minted = 0;
    const restore = installSpiceSockets({
      firstPath: "/ws/console?ticket=first",
      mint: async () => `/ws/console?ticket=more${++minted}`,
      onClose: (ch, info) => closes.push([ch, info.code]),
    });
    const Routed = g.window!.WebSocket as typeof WebSocket;
    const main = new Routed(`${SPICE_SCHEME}//main`, "binary");
    const display = new Routed(main.url, "binary");
    const inputs = new Routed(main.url, "binary");
    expect(main).toBeInstanceOf(TicketSocket);
    await tick();
    expect(FakeWebSocket.opened.map((w) => [w.url, w.protocols])).toEqual([
      ["wss://deck.example/ws/console?ticket=first", ["binary"]],
      ["wss://deck.example/ws/console?ticket=more1", ["binary"]],
      ["wss://deck.example/ws/console?ticket=more2", ["binary"]],
    ]);
    expect(FakeWebSocket.opened.every((w) => w.binaryType === "arraybuffer")).toBe(true);
    expect([display.readyState, inputs.readyState]).toEqual([0, 0]);

    // Anything else is a real socket, and restore() puts the original constructor back.
    const other = new Routed("wss://deck.example/_next/hmr");
    expect(other).toBeInstanceOf(FakeWebSocket);
    restore();
    expect(g.window!.WebSocket).toBe(FakeWebSocket);
    expect(closes).toEqual([]);
  });
});

describe("TicketSocket", () => {
  it("forwards open, messages and the close code, and sends only once open", async () => {
    const closes: (number | null)[] = [];
    const s = new TicketSocket(
      `${SPICE_SCHEME}//x`,
      async () => "/ws/console?ticket=t",
      FakeWebSocket as unknown as typeof WebSocket,
      (i) => closes.push(i.code),
    );
    const seen: string[] = [];
    s.addEventListener("open", () => seen.push(`open ${s.readyState}`));
    s.addEventListener("message", (e) => seen.push(`message ${(e as MessageEvent).data}`));
    s.addEventListener("close", (e) => seen.push(`close ${(e as CloseEvent).code} ${(e as CloseEvent).reason}`));
    expect(() => s.send("early")).toThrow(/not open/);
    await tick();
    const real = FakeWebSocket.opened[0];
    real.serverOpens();
    s.send("hello");
    expect(real.sent).toEqual(["hello"]);
    real.dispatchEvent(new MessageEvent("message", { data: "guest bytes" }));
    real.serverCloses(4011, "taken over by alice");
    expect(seen).toEqual(["open 1", "message guest bytes", "close 4011 taken over by alice"]);
    expect(s.readyState).toBe(3);
    expect(closes).toEqual([4011]);
  });

  it("opens nothing when closed before its ticket arrives", async () => {
    let release: (p: string) => void = () => {};
    const s = new TicketSocket(
      `${SPICE_SCHEME}//x`,
      () => new Promise((r) => (release = r)),
      FakeWebSocket as unknown as typeof WebSocket,
      () => {},
    );
    s.close();
    release("/ws/console?ticket=late");
    await tick();
    expect(FakeWebSocket.opened).toEqual([]);
    expect(s.readyState).toBe(3);
  });

  it("reports a refused ticket as a close", async () => {
    const closes: string[] = [];
    const s = new TicketSocket(
      `${SPICE_SCHEME}//x`,
      () => Promise.reject(new Error("console held")),
      FakeWebSocket as unknown as typeof WebSocket,
      (i) => closes.push(i.reason),
    );
    const events: string[] = [];
    s.addEventListener("error", () => events.push("error"));
    s.addEventListener("close", () => events.push("close"));
    await tick();
    expect(events).toEqual(["error", "close"]);
    expect(closes).toEqual(["console held"]);
    expect(FakeWebSocket.opened).toEqual([]);
  });
});
