import { connect } from "node:net";
import WebSocket from "ws";

/**
 * A byte pipe the bench talks through: a websocket (virtdeck's /ws/console, websockify) or a plain
 * TCP connection (the baseline), with the same reader on top so that every path is measured by
 * the same client code.
 */
export interface Pipe {
  send(b: Buffer): void;
  /** The next n bytes (copied into one buffer). */
  take(n: number, timeoutMs?: number): Promise<Buffer>;
  /** Consumes the next n bytes without keeping them (bulk transfers). */
  skip(n: number, timeoutMs?: number): Promise<void>;
  /** Set when the other side closed: close code and reason for websockets. */
  closedWith(): string | null;
  close(): Promise<void>;
}

class Reader {
  private chunks: Buffer[] = [];
  private len = 0;
  private skipLeft = 0;
  private wake: (() => void) | null = null;
  closed: string | null = null;

  push(b: Buffer): void {
    if (this.skipLeft > 0) {
      const n = Math.min(this.skipLeft, b.length);
      this.skipLeft -= n;
      if (n < b.length) {
        this.chunks.push(b.subarray(n));
        this.len += b.length - n;
      }
      if (this.skipLeft === 0) this.wake?.();
      return;
    }
    this.chunks.push(b);
    this.len += b.length;
    this.wake?.();
  }

  end(reason: string): void {
    this.closed ??= reason;
    this.wake?.();
  }

  private wait(ready: () => boolean, what: string, timeoutMs: number): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.wake = null;
        reject(new Error(`timeout after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.wake = () => {
        if (ready()) {
          clearTimeout(timer);
          this.wake = null;
          resolve();
        } else if (this.closed !== null) {
          clearTimeout(timer);
          this.wake = null;
          reject(new Error(`closed (${this.closed}) while waiting for ${what}`));
        }
      };
      if (this.closed !== null) this.wake();
    });
  }

  async take(n: number, timeoutMs: number): Promise<Buffer> {
    await this.wait(() => this.len >= n, `${n} bytes`, timeoutMs);
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0];
      const k = Math.min(c.length, n - off);
      c.copy(out, off, 0, k);
      off += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.len -= n;
    return out;
  }

  async skip(n: number, timeoutMs: number): Promise<void> {
    // Drop what is already buffered, then count the rest as it arrives without storing it.
    let left = n;
    while (left > 0 && this.chunks.length) {
      const c = this.chunks[0];
      const k = Math.min(c.length, left);
      left -= k;
      this.len -= k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    if (left === 0) return;
    this.skipLeft = left;
    await this.wait(() => this.skipLeft === 0, `${n} bytes (skip)`, timeoutMs);
  }
}

const DEFAULT_TIMEOUT = 30_000;

export function wsPipe(url: string, headers: Record<string, string> = {}): Promise<Pipe> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ["binary"], { headers, perMessageDeflate: false });
    const r = new Reader();
    const closed = new Promise<void>((res) =>
      ws.on("close", (code, reason) => {
        r.end(`${code}${reason.length ? ` ${reason.toString()}` : ""}`);
        res();
      }),
    );
    ws.on("message", (d: Buffer) => r.push(d));
    ws.on("unexpected-response", (_req, res) => {
      reject(Object.assign(new Error(`upgrade refused: HTTP ${res.statusCode}`), { status: res.statusCode }));
      res.resume();
    });
    ws.on("error", (e) => {
      r.end(`error ${e.message}`);
      reject(e);
    });
    ws.on("open", () =>
      resolve({
        send: (b) => ws.send(b, { binary: true }),
        take: (n, t = DEFAULT_TIMEOUT) => r.take(n, t),
        skip: (n, t = DEFAULT_TIMEOUT) => r.skip(n, t),
        closedWith: () => r.closed,
        close: async () => {
          if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(1000);
          await Promise.race([closed, new Promise((res) => setTimeout(res, 5_000))]);
          ws.terminate();
        },
      }),
    );
  });
}

export function tcpPipe(port: number): Promise<Pipe> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1");
    s.setNoDelay(true);
    const r = new Reader();
    const closed = new Promise<void>((res) => s.on("close", () => res()));
    s.on("data", (d: Buffer) => r.push(d));
    s.on("end", () => r.end("end"));
    s.on("close", () => r.end("close"));
    s.on("error", (e) => {
      r.end(`error ${e.message}`);
      reject(e);
    });
    s.on("connect", () =>
      resolve({
        send: (b) => void s.write(b),
        take: (n, t = DEFAULT_TIMEOUT) => r.take(n, t),
        skip: (n, t = DEFAULT_TIMEOUT) => r.skip(n, t),
        closedWith: () => r.closed,
        close: async () => {
          s.end();
          await Promise.race([closed, new Promise((res) => setTimeout(res, 2_000))]);
          s.destroy();
        },
      }),
    );
  });
}

// --- the synthetic source's commands (source.ts) ---------------------------------------------------
export function pingCommand(seq: number): Buffer {
  const b = Buffer.alloc(8);
  b[0] = 0x50;
  b.writeUIntBE(seq % 2 ** 48, 2, 6);
  return b;
}

export function streamCommand(bytes: number): Buffer {
  const b = Buffer.alloc(8);
  b[0] = 0x53;
  b.writeUIntBE(bytes, 2, 6);
  return b;
}
