import "server-only";
import type { Duplex } from "node:stream";
import ssh2, { type ClientChannel, type Client as SshClient } from "ssh2";

// ssh2 is CommonJS: named imports fail under Node's ESM loader (custom server), the default works everywhere.
const { Client, utils } = ssh2;
import { z } from "zod";
import {
  AuthFailedError,
  CommandTimeoutError,
  ConnectionClosedError,
  HostError,
  HostKeyMismatchError,
  HostProtocolError,
  HostUnreachableError,
  UnsafeArgumentError,
} from "./errors";
import { bulkReadConnect } from "./bulk-read-socket";
import { fingerprintsEqual, hostKeyFingerprint, normalizeFingerprint } from "./fingerprint";
import { shellQuote } from "./quote";
import type { CommandStream, HostTransport, RunOptions, RunResult } from "./transport";

const notOption = (s: string) => !s.startsWith("-");

/** Host names, IPv4 and IPv6 literals (without brackets); never something an ssh CLI reads as a flag. */
export const SshHostSchema = z
  .string()
  .min(1, "host is required")
  .max(253)
  .refine(notOption, "host must not start with '-'")
  .regex(/^[A-Za-z0-9._:%-]+$/, "host may contain only letters, digits and . _ : % -");

export const SshPortSchema = z.number().int().min(1).max(65535);

export const SshUsernameSchema = z
  .string()
  .min(1, "username is required")
  .max(64)
  .refine(notOption, "username must not start with '-'")
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/, "username may contain only letters, digits and _ . -");

const ConnectOptionsSchema = z.object({
  host: SshHostSchema,
  port: SshPortSchema.default(22),
  username: SshUsernameSchema,
  privateKey: z.union([z.string().min(1), z.instanceof(Buffer)]),
  passphrase: z.string().optional(),
  expectedHostKeySha256: z
    .string()
    .transform((s, ctx) => {
      const n = normalizeFingerprint(s);
      if (n === null) {
        ctx.addIssue({ code: "custom", message: "expected an OpenSSH SHA256 fingerprint" });
        return z.NEVER;
      }
      return n;
    })
    .optional(),
  readyTimeoutMs: z.number().int().positive().default(10_000),
  keepaliveIntervalMs: z.number().int().nonnegative().default(15_000),
  keepaliveCountMax: z.number().int().positive().default(3),
  commandTimeoutMs: z.number().int().positive().default(60_000),
  /**
   * Concurrent run() channels on one connection. OpenSSH allows MaxSessions (default 10) session
   * channels per connection, shared with openStream (virsh sessions, consoles); runs beyond this
   * wait their turn instead of failing with "open failed".
   */
  maxConcurrentRuns: z.number().int().positive().default(6),
});

export type SshConnectOptions = z.input<typeof ConnectOptionsSchema> & {
  /**
   * First-connect discovery: called with the presented fingerprint when no key is pinned, so the
   * caller can show it to an admin and store it. Never called when expectedHostKeySha256 is set
   * (a mismatch is reported via HostKeyMismatchError instead, so it cannot silently re-pin).
   */
  onHostKey?: (fingerprint: string) => void;
};

type Config = z.output<typeof ConnectOptionsSchema>;

/**
 * Opens an SSH connection and resolves once authenticated. The host key is always verified:
 * against the pinned fingerprint when given, otherwise the caller must opt into discovery with
 * onHostKey (ssh2 would accept any key by default).
 */
export async function connectSsh(options: SshConnectOptions): Promise<HostTransport> {
  const parsed = ConnectOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UnsafeArgumentError(`Invalid SSH options: ${issue.path.join(".")}: ${issue.message}`);
  }
  const cfg = parsed.data;
  // ssh2 would throw this synchronously from connect(); report it as the bad option it is.
  const key = utils.parseKey(cfg.privateKey, cfg.passphrase);
  if (key instanceof Error) throw new UnsafeArgumentError(`Invalid SSH options: privateKey: ${key.message}`);
  const onHostKey = options.onHostKey;
  if (cfg.expectedHostKeySha256 === undefined && typeof onHostKey !== "function") {
    throw new UnsafeArgumentError(
      "Refusing to connect without a pinned host key: pass expectedHostKeySha256, or onHostKey to discover it",
    );
  }

  const client = new Client();
  let presented: string | undefined;
  let verifierError: unknown;

  return new Promise<HostTransport>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(err);
    };
    client.on("error", (err: Error & { level?: string; code?: string }) => {
      if (verifierError !== undefined) return fail(verifierError as Error);
      if (cfg.expectedHostKeySha256 && presented && !fingerprintsEqual(cfg.expectedHostKeySha256, presented)) {
        return fail(new HostKeyMismatchError(cfg.expectedHostKeySha256, presented));
      }
      fail(connectError(err, cfg));
    });
    client.once("close", () =>
      fail(new HostUnreachableError(cfg.host, cfg.port, "connection closed during handshake")),
    );
    client.once("ready", () => {
      if (settled) return;
      settled = true;
      resolve(new SshTransport(client, cfg));
    });
    // ssh2 waits for 'connect' on a socket still connecting and reads its 'data' as usual.
    const sock = bulkReadConnect(cfg.host, cfg.port);
    sock.setMaxListeners(0); // as ssh2 does with a socket of its own
    client.connect({
      sock,
      host: cfg.host,
      port: cfg.port,
      username: cfg.username,
      privateKey: cfg.privateKey,
      passphrase: cfg.passphrase,
      readyTimeout: cfg.readyTimeoutMs,
      keepaliveInterval: cfg.keepaliveIntervalMs,
      keepaliveCountMax: cfg.keepaliveCountMax,
      // Without hostHash ssh2 passes the raw key blob, which is what OpenSSH fingerprints.
      hostVerifier: (key: Buffer): boolean => {
        presented = hostKeyFingerprint(key);
        if (cfg.expectedHostKeySha256 !== undefined) {
          return fingerprintsEqual(cfg.expectedHostKeySha256, presented);
        }
        try {
          onHostKey!(presented);
          return true;
        } catch (err) {
          verifierError = err;
          return false;
        }
      },
    });
  });
}

function connectError(err: Error & { level?: string; code?: string }, cfg: Config): HostError {
  switch (err.level) {
    case "client-socket":
    case "client-dns":
      return new HostUnreachableError(cfg.host, cfg.port, err.code ?? err.message, { cause: err });
    case "client-timeout":
      return new HostUnreachableError(cfg.host, cfg.port, `no SSH handshake within ${cfg.readyTimeoutMs} ms`, {
        cause: err,
      });
    case "client-authentication":
      return new AuthFailedError(cfg.username, { cause: err });
    default:
      return new HostProtocolError(`SSH handshake failed: ${err.message}`, { cause: err });
  }
}

/** An absolute unix socket path of plain characters (sshd creates or opens it as the login user). */
const SocketPathSchema = z
  .string()
  .max(100)
  .regex(/^\/[A-Za-z0-9._/-]+$/)
  .refine((p) => !p.split("/").includes(".."), "no '..'");

/** FIFO counting semaphore. */
class Slots {
  #free: number;
  #waiters: (() => void)[] = [];
  constructor(n: number) {
    this.#free = n;
  }
  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((r) => this.#waiters.push(r));
  }
  release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#free++;
  }
}

class SshTransport implements HostTransport {
  #closed = false;
  #slots: Slots;
  /** Aborts for every in-flight run(), fired when the connection drops. */
  #inflight = new Set<(err: Error) => void>();

  constructor(
    private readonly client: SshClient,
    private readonly cfg: Config,
  ) {
    this.#slots = new Slots(cfg.maxConcurrentRuns);
    // After "ready" errors (keepalive timeout, reset) only mean the connection is gone;
    // a listener must stay attached or Node would throw on the "error" event.
    client.on("error", (err) =>
      this.#drop(new ConnectionClosedError(`SSH connection lost: ${err.message}`, { cause: err })),
    );
    client.on("close", () => this.#drop(new ConnectionClosedError()));
  }

  get closed(): boolean {
    return this.#closed;
  }

  #drop(err: Error): void {
    this.#closed = true;
    for (const abort of [...this.#inflight]) abort(err);
  }

  async run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const command = shellQuote(argv);
    const timeoutMs = opts.timeoutMs ?? this.cfg.commandTimeoutMs;
    await this.#slots.acquire();
    try {
      return await this.#exec(argv, command, opts, timeoutMs);
    } finally {
      this.#slots.release();
    }
  }

  #exec(argv: readonly string[], command: string, opts: RunOptions, timeoutMs: number): Promise<RunResult> {
    return new Promise<RunResult>((resolve, reject) => {
      if (this.#closed) return reject(new ConnectionClosedError());
      let channel: ClientChannel | undefined;
      let done = false;
      let code: number | null = null;
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];

      const finish = (err: Error | null) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.#inflight.delete(abort);
        if (err) reject(err);
        else
          resolve({
            code,
            stdout: Buffer.concat(stdout).toString("utf8"),
            stderr: Buffer.concat(stderr).toString("utf8"),
          });
      };
      const abort = (err: Error) => {
        if (channel) killChannel(channel);
        finish(err);
      };
      this.#inflight.add(abort);
      const timer = setTimeout(() => abort(new CommandTimeoutError(argv, timeoutMs)), timeoutMs);

      const execOpts = opts.pty ? { pty: { term: "dumb", rows: 24, cols: 200 } } : {};
      this.client.exec(command, execOpts, (err, ch) => {
        if (err) return finish(this.#channelError(err));
        channel = ch;
        if (done) return killChannel(ch); // timed out or dropped while the channel was opening
        const onStdout = opts.onStdout;
        ch.on("data", (b: Buffer) => {
          stdout.push(b);
          onStdout?.(b);
        });
        ch.stderr.on("data", (b: Buffer) => stderr.push(b));
        ch.on("exit", (c: number | null) => {
          code = typeof c === "number" ? c : null;
        });
        ch.on("close", () => finish(null));
        ch.on("error", (e: Error) => finish(this.#channelError(e)));
        if (opts.stdin !== undefined) ch.end(opts.stdin);
        else ch.end();
      });
    });
  }

  #channelError(err: Error): HostError {
    if (this.#closed) return new ConnectionClosedError(`SSH connection closed: ${err.message}`, { cause: err });
    return new HostProtocolError(`SSH channel failed: ${err.message}`, { cause: err });
  }

  openStream(argv: readonly string[], opts: { pty?: boolean } = {}): Promise<CommandStream> {
    const command = shellQuote(argv);
    return new Promise<CommandStream>((resolve, reject) => {
      if (this.#closed) return reject(new ConnectionClosedError());
      const execOpts = opts.pty ? { pty: { term: "xterm-256color", rows: 24, cols: 80 } } : {};
      this.client.exec(command, execOpts, (err, ch) => {
        if (err) return reject(this.#channelError(err));
        resolve(ch as unknown as CommandStream);
      });
    });
  }

  forwardOut(host: string, port: number): Promise<Duplex> {
    const h = SshHostSchema.safeParse(host);
    if (!h.success)
      return Promise.reject(new UnsafeArgumentError(`Invalid forward host: ${h.error.issues[0].message}`));
    if (!SshPortSchema.safeParse(port).success) {
      return Promise.reject(new UnsafeArgumentError(`Invalid forward port: ${port}`));
    }
    return new Promise<Duplex>((resolve, reject) => {
      if (this.#closed) return reject(new ConnectionClosedError());
      this.client.forwardOut("127.0.0.1", 0, h.data, port, (err, ch) => {
        if (err) return reject(this.#channelError(err));
        resolve(ch);
      });
    });
  }

  forwardInStreamLocal(socketPath: string, onConnection: (stream: Duplex) => void): Promise<() => Promise<void>> {
    if (!SocketPathSchema.safeParse(socketPath).success) {
      return Promise.reject(new UnsafeArgumentError(`Invalid socket path: ${socketPath}`));
    }
    return new Promise((resolve, reject) => {
      if (this.#closed) return reject(new ConnectionClosedError());
      const listener = (info: { socketPath: string }, accept: () => Duplex, rejectConn: () => void) => {
        if (info.socketPath !== socketPath) return; // another forwarding of this connection
        try {
          onConnection(accept());
        } catch {
          rejectConn();
        }
      };
      this.client.on("unix connection", listener);
      this.client.openssh_forwardInStreamLocal(socketPath, (err) => {
        if (err) {
          this.client.off("unix connection", listener);
          return reject(this.#channelError(err));
        }
        resolve(
          () =>
            new Promise<void>((done) => {
              this.client.off("unix connection", listener);
              if (this.#closed) return done();
              this.client.openssh_unforwardInStreamLocal(socketPath, () => done());
            }),
        );
      });
    });
  }

  openStreamLocal(socketPath: string): Promise<Duplex> {
    if (!SocketPathSchema.safeParse(socketPath).success) {
      return Promise.reject(new UnsafeArgumentError(`Invalid socket path: ${socketPath}`));
    }
    return new Promise<Duplex>((resolve, reject) => {
      if (this.#closed) return reject(new ConnectionClosedError());
      this.client.openssh_forwardOutStreamLocal(socketPath, (err, ch) => {
        if (err) return reject(this.#channelError(err));
        resolve(ch);
      });
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#drop(new ConnectionClosedError("SSH connection closed by virtdeck"));
    this.client.end();
  }
}

/** Best effort: ask sshd to KILL the process (OpenSSH honours "signal" requests), then close. */
function killChannel(ch: ClientChannel): void {
  try {
    ch.signal("KILL");
  } catch {}
  try {
    ch.close();
  } catch {}
}
