import "server-only";

/** What went wrong talking to a host; callers map these to messages and HTTP statuses. */
export type HostErrorCode =
  | "unsafe_argument"
  | "host_unreachable"
  | "host_key_mismatch"
  | "auth_failed"
  | "connection_closed"
  | "command_timeout"
  | "command_failed"
  | "protocol";

export class HostError extends Error {
  constructor(
    readonly code: HostErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A value was refused before anything ran (NUL byte, leading "-", unknown virsh command...). */
export class UnsafeArgumentError extends HostError {
  constructor(message: string) {
    super("unsafe_argument", message);
  }
}

/** TCP/DNS failure or no SSH handshake within the ready timeout. */
export class HostUnreachableError extends HostError {
  constructor(
    readonly host: string,
    readonly port: number,
    /** errno-style reason when known: ECONNREFUSED, ETIMEDOUT, ENOTFOUND, handshake-timeout... */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super("host_unreachable", `Cannot reach ${host}:${port} (${reason})`, options);
  }
}

/** The host presented a key whose fingerprint differs from the pinned one. */
export class HostKeyMismatchError extends HostError {
  constructor(
    readonly expectedFingerprint: string,
    readonly presentedFingerprint: string,
  ) {
    super(
      "host_key_mismatch",
      `Host key mismatch: expected ${expectedFingerprint}, host presented ${presentedFingerprint}`,
    );
  }
}

export class AuthFailedError extends HostError {
  constructor(
    readonly username: string,
    options?: { cause?: unknown },
  ) {
    super("auth_failed", `SSH authentication failed for user ${username}`, options);
  }
}

/** The SSH connection (or the channel a session lived on) went away. */
export class ConnectionClosedError extends HostError {
  constructor(message = "SSH connection closed", options?: { cause?: unknown }) {
    super("connection_closed", message, options);
  }
}

export class CommandTimeoutError extends HostError {
  constructor(
    readonly argv: readonly string[],
    readonly timeoutMs: number,
  ) {
    super("command_timeout", `Command timed out after ${timeoutMs} ms: ${argv.join(" ")}`);
  }
}

export class CommandFailedError extends HostError {
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    const detail = stderr.trim().split("\n").slice(-3).join(" | ");
    super(
      "command_failed",
      `Command failed (exit ${exitCode ?? "signal"}): ${argv.join(" ")}${detail ? `: ${detail}` : ""}`,
    );
  }
}

/** The remote side spoke something we did not expect (virsh session framing, SSH protocol). */
export class HostProtocolError extends HostError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("protocol", message, options);
  }
}

export function isHostError(e: unknown): e is HostError {
  return e instanceof HostError;
}
