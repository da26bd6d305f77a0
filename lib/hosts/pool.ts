import "server-only";
import type { HostTransport } from "./transport";

/**
 * One lazily opened connection per host id, shared by every caller in this process. A dropped
 * connection is replaced on the next get(); a failed connect is forgotten, so the next get() retries.
 * This is a connection cache, not application state: losing it only costs a reconnect.
 */
export interface HostPool {
  get(hostId: string): Promise<HostTransport>;
  /** Closes and forgets the host's connection (e.g. after its address or key changed). */
  close(hostId: string): void;
  closeAll(): void;
  /** Host ids with an open or opening connection. */
  hostIds(): string[];
}

interface Entry {
  promise: Promise<HostTransport>;
  transport?: HostTransport;
  closed: boolean;
}

export function createHostPool(connect: (hostId: string) => Promise<HostTransport>): HostPool {
  const entries = new Map<string, Entry>();

  function open(hostId: string): Entry {
    const entry = { closed: false } as Entry;
    // Via then() so a connect() that throws synchronously still yields a rejected promise.
    entry.promise = Promise.resolve(hostId)
      .then(connect)
      .then(
        (transport) => {
          entry.transport = transport;
          // close() raced the connect: the caller that is waiting still gets it, nobody else will.
          if (entry.closed) transport.close();
          return transport;
        },
        (err: unknown) => {
          if (entries.get(hostId) === entry) entries.delete(hostId);
          throw err;
        },
      );
    entries.set(hostId, entry);
    return entry;
  }

  return {
    get(hostId) {
      const entry = entries.get(hostId);
      if (entry && !entry.transport?.closed) return entry.promise;
      return open(hostId).promise;
    },
    close(hostId) {
      const entry = entries.get(hostId);
      if (!entry) return;
      entries.delete(hostId);
      entry.closed = true;
      entry.transport?.close();
    },
    closeAll() {
      for (const id of [...entries.keys()]) this.close(id);
    },
    hostIds() {
      return [...entries.keys()];
    },
  };
}
