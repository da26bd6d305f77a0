import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SILENCE_MS, fleetEventsSubscribe, type LiveStatus } from "@/components/vms/fleet-events";

/** A stand-in for the browser's EventSource: the test plays the server. */
class FakeEventSource {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 2;
  static all: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  private listeners = new Map<string, ((e: { data: string }) => void)[]>();
  constructor(readonly url: string) {
    FakeEventSource.all.push(this);
  }
  addEventListener(type: string, fn: (e: { data: string }) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  close() {
    this.readyState = FakeEventSource.CLOSED;
  }
  open() {
    this.readyState = FakeEventSource.OPEN;
    this.onopen?.();
  }
  emit(type: string, data: unknown) {
    for (const fn of this.listeners.get(type) ?? []) fn({ data: JSON.stringify(data) });
  }
}

describe("fleet events stream", () => {
  let statuses: LiveStatus[];
  let stop: () => void;
  let resyncs: number;

  beforeEach(() => {
    vi.useFakeTimers();
    FakeEventSource.all = [];
    vi.stubGlobal("EventSource", FakeEventSource);
    statuses = [];
    resyncs = 0;
    stop = fleetEventsSubscribe({
      handlers: () => ({ onResync: () => resyncs++ }),
      setStatus: (s) => statuses.push(s),
    });
  });

  afterEach(() => {
    stop();
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it("stays live while the server's pings arrive", () => {
    const es = FakeEventSource.all[0]!;
    es.open();
    expect(statuses.at(-1)).toBe("live");
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(15_000);
      es.emit("ping", {});
    }
    expect(statuses.at(-1)).toBe("live");
    expect(FakeEventSource.all).toHaveLength(1);
  });

  it("says the stream is lost when it falls silent, opens a new one and resyncs once it is back", () => {
    const es = FakeEventSource.all[0]!;
    es.open();
    vi.advanceTimersByTime(SILENCE_MS - 1);
    expect(statuses.at(-1)).toBe("live");
    vi.advanceTimersByTime(1);
    expect(statuses.at(-1)).toBe("reconnecting");
    expect(es.readyState).toBe(FakeEventSource.CLOSED);
    expect(FakeEventSource.all).toHaveLength(2);
    FakeEventSource.all[1]!.open();
    expect(statuses.at(-1)).toBe("live");
    expect(resyncs).toBe(1);
  });

  it("says so when the server ends the stream", () => {
    const es = FakeEventSource.all[0]!;
    es.open();
    es.emit("end", { reason: "signed out" });
    expect(statuses.at(-1)).toBe("reconnecting");
  });
});
