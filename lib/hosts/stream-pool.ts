import "server-only";
import type { CommandStream, HostTransport } from "./transport";

/**
 * Connections for long-lived session channels (`virsh console`), apart from a host's main
 * connection. OpenSSH counts every exec channel against MaxSessions (default 10 per connection),
 * and the main connection already spends them on the virsh session, the event watcher and runs;
 * a serial console must neither starve those nor be refused because of them.
 *
 * Each connection carries up to `perConnection` streams; more streams open more connections. A
 * host whose sshd allows fewer sessions refuses a channel early: that connection then counts as
 * full at what it holds, and the stream is retried once on a fresh connection. A connection is
 * closed once its last stream has ended and it stayed unused for `idleMs`.
 */
export interface StreamPool {
  /** Opens argv on a channel of one of the host's stream connections; `transport` is that connection. */
  openStream(
    hostId: string,
    argv: readonly string[],
    opts?: { pty?: boolean },
  ): Promise<{ stream: CommandStream; transport: HostTransport }>;
  /** Closes the host's stream connections (their streams end). */
  close(hostId: string): void;
  closeAll(): void;
  /** Open streams per connection of a host, for tests and diagnostics. */
  usage(hostId: string): number[];
}

interface Conn {
  promise: Promise<HostTransport>;
  transport?: HostTransport;
  /** Streams open or opening on it. */
  used: number;
  /** How many streams it may carry (lowered when sshd refuses a channel). */
  capacity: number;
  idleTimer?: NodeJS.Timeout;
}

export interface StreamPoolOptions {
  perConnection?: number;
  idleMs?: number;
}

/** Each host's stream connections and their slots: `lease` takes a slot (connecting when none is free), `release` gives it back. */
interface ConnTable {
  hosts: Map<string, Conn[]>;
  lease(hostId: string): Conn;
  release(hostId: string, conn: Conn): void;
}

function connTable(
  connect: (hostId: string) => Promise<HostTransport>,
  perConnection: number,
  idleMs: number,
): ConnTable {
  const hosts = new Map<string, Conn[]>();

  const conns = (hostId: string) => {
    let list = hosts.get(hostId);
    if (!list) hosts.set(hostId, (list = []));
    return list;
  };

  function forget(hostId: string, conn: Conn): void {
    clearTimeout(conn.idleTimer);
    const list = hosts.get(hostId);
    if (!list) return;
    const i = list.indexOf(conn);
    if (i >= 0) list.splice(i, 1);
    if (!list.length) hosts.delete(hostId);
  }

  /** A connection with a free slot (taking it), or a new one. */
  function lease(hostId: string): Conn {
    const list = conns(hostId);
    let conn = list.find((c) => !c.transport?.closed && c.used < c.capacity);
    if (!conn) {
      const fresh: Conn = { used: 0, capacity: perConnection } as Conn;
      fresh.promise = Promise.resolve(hostId)
        .then(connect)
        .then(
          (t) => (fresh.transport = t),
          (err: unknown) => {
            forget(hostId, fresh);
            throw err;
          },
        );
      list.push(fresh);
      conn = fresh;
    }
    clearTimeout(conn.idleTimer);
    conn.used++;
    return conn;
  }

  function release(hostId: string, conn: Conn): void {
    conn.used--;
    if (conn.used > 0) return;
    if (conn.transport?.closed) return forget(hostId, conn);
    conn.idleTimer = setTimeout(() => {
      if (conn.used > 0) return;
      forget(hostId, conn);
      conn.transport?.close();
    }, idleMs);
    conn.idleTimer.unref?.();
  }

  return { hosts, lease, release };
}

export function createStreamPool(
  connect: (hostId: string) => Promise<HostTransport>,
  opts: StreamPoolOptions = {},
): StreamPool {
  const { hosts, lease, release } = connTable(connect, opts.perConnection ?? 8, opts.idleMs ?? 30_000);

  async function attempt(hostId: string, argv: readonly string[], o: { pty?: boolean }, retried: boolean) {
    const conn = lease(hostId);
    let transport: HostTransport;
    try {
      transport = await conn.promise;
    } catch (err) {
      conn.used--;
      throw err;
    }
    try {
      const stream = await transport.openStream(argv, o);
      let released = false;
      const done = () => {
        if (released) return;
        released = true;
        release(hostId, conn);
      };
      stream.once("close", done);
      stream.once("error", done);
      return { stream, transport };
    } catch (err) {
      const others = conn.used - 1;
      release(hostId, conn);
      // sshd refused one more channel on a live connection that carries others: that is its limit.
      if (!transport.closed && others > 0 && !retried) {
        conn.capacity = Math.min(conn.capacity, others);
        return attempt(hostId, argv, o, true);
      }
      throw err;
    }
  }

  return {
    openStream: (hostId, argv, o = {}) => attempt(hostId, argv, o, false),
    close(hostId) {
      const list = hosts.get(hostId) ?? [];
      hosts.delete(hostId);
      for (const c of list) {
        clearTimeout(c.idleTimer);
        c.transport?.close();
        // A connect still in flight is closed when it lands.
        c.promise.then(
          (t) => t.close(),
          () => {},
        );
      }
    },
    closeAll() {
      for (const id of [...hosts.keys()]) this.close(id);
    },
    usage(hostId) {
      return (hosts.get(hostId) ?? []).map((c) => c.used);
    },
  };
}
