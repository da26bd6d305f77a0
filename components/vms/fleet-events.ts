"use client";

import { useEffect, useRef, useState } from "react";
import type { VmEvent } from "@/components/vms/vm-list-live";

/** `event: host` of GET /api/events. */
export interface HostEvent {
  hostId: string;
  status: string;
  statusMessage: string;
}

/** connecting: first attempt; live: receiving; reconnecting: lost, the browser (or we) try again. */
export type LiveStatus = "connecting" | "live" | "reconnecting";

export interface FleetEventHandlers {
  onVm?: (e: VmEvent) => void;
  onHost?: (e: HostEvent) => void;
  /** The stream is back after a break: events may have been missed, reload what is shown. */
  onResync?: () => void;
}

export interface Subscriber {
  handlers: () => FleetEventHandlers;
  setStatus: (s: LiveStatus) => void;
}

/*
 * One EventSource per browser tab, shared by everything on the page (the VM
 * list and a host header both listen). EventSource reconnects by itself after
 * a network error; it gives up for good on an HTTP error or a non-SSE answer
 * (a 401 after the session expired, a proxy's error page), so then we open a
 * new one after a growing delay.
 */
const subscribers = new Set<Subscriber>();
let source: EventSource | null = null;
let status: LiveStatus = "connecting";
let everOpen = false;
let retryTimer: ReturnType<typeof setTimeout> | null = null;
let retryDelay = 2000;
let watchdog: ReturnType<typeof setTimeout> | null = null;

/**
 * The server sends a `ping` every 15 s (lib/http/sse.ts). A stream that stays silent longer than this was lost
 * without the browser noticing (a sleeping laptop, a proxy or network that dropped the connection half-way):
 * say so, and open a new one.
 */
export const SILENCE_MS = 40_000;

function heard(es: EventSource) {
  if (source !== es) return;
  if (watchdog) clearTimeout(watchdog);
  watchdog = setTimeout(() => {
    watchdog = null;
    if (source !== es) return;
    es.close();
    source = null;
    setStatus("reconnecting");
    if (subscribers.size) open();
  }, SILENCE_MS);
}

function setStatus(s: LiveStatus) {
  status = s;
  for (const sub of subscribers) sub.setStatus(s);
}

function parse<T>(e: MessageEvent): T | null {
  try {
    return JSON.parse(e.data as string) as T;
  } catch {
    return null;
  }
}

function open() {
  const es = new EventSource("/api/events");
  source = es;
  heard(es);
  es.onopen = () => {
    heard(es);
    retryDelay = 2000;
    const resync = everOpen;
    everOpen = true;
    setStatus("live");
    if (resync) for (const sub of subscribers) sub.handlers().onResync?.();
  };
  es.onerror = () => {
    if (source !== es) return;
    setStatus("reconnecting");
    if (es.readyState === EventSource.CLOSED) {
      es.close();
      source = null;
      retryTimer = setTimeout(() => {
        retryTimer = null;
        if (subscribers.size && !source) open();
      }, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30_000);
    }
  };
  es.addEventListener("ping", () => heard(es));
  // The server ended the stream (signed out, access gone): the browser reconnects, or is refused and errors.
  es.addEventListener("end", () => {
    if (source === es) setStatus("reconnecting");
  });
  es.addEventListener("vm", (e) => {
    heard(es);
    const data = parse<VmEvent>(e as MessageEvent);
    if (data) for (const sub of subscribers) sub.handlers().onVm?.(data);
  });
  es.addEventListener("host", (e) => {
    heard(es);
    const data = parse<HostEvent>(e as MessageEvent);
    if (data) for (const sub of subscribers) sub.handlers().onHost?.(data);
  });
}

/** Exported for tests: what useFleetEvents does on mount (returns the unsubscribe). */
export function fleetEventsSubscribe(sub: Subscriber): () => void {
  subscribers.add(sub);
  if (!source && !retryTimer) {
    everOpen = false;
    status = "connecting";
    open();
  }
  sub.setStatus(status);
  return () => {
    subscribers.delete(sub);
    if (subscribers.size) return;
    source?.close();
    source = null;
    if (watchdog) clearTimeout(watchdog);
    watchdog = null;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
  };
}

/** Listens to the fleet's live events while mounted; returns the connection status. */
export function useFleetEvents(handlers: FleetEventHandlers): LiveStatus {
  const ref = useRef(handlers);
  const [live, setLive] = useState<LiveStatus>("connecting");
  useEffect(() => {
    ref.current = handlers;
  });
  useEffect(() => fleetEventsSubscribe({ handlers: () => ref.current, setStatus: setLive }), []);
  return live;
}
