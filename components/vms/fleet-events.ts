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

interface Subscriber {
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
  es.onopen = () => {
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
  es.addEventListener("vm", (e) => {
    const data = parse<VmEvent>(e as MessageEvent);
    if (data) for (const sub of subscribers) sub.handlers().onVm?.(data);
  });
  es.addEventListener("host", (e) => {
    const data = parse<HostEvent>(e as MessageEvent);
    if (data) for (const sub of subscribers) sub.handlers().onHost?.(data);
  });
}

function subscribe(sub: Subscriber): () => void {
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
  useEffect(() => subscribe({ handlers: () => ref.current, setStatus: setLive }), []);
  return live;
}
