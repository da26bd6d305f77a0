import "server-only";
import { AppError } from "@/lib/http/errors";
import { CommandFailedError, HostKeyMismatchError, isHostError } from "@/lib/hosts/errors";

/** virsh's own message: its "error:" lines without the prefix, or the last stderr line. */
export function virshMessage(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const errors = lines.filter((l) => l.startsWith("error:")).map((l) => l.slice("error:".length).trim());
  const msg = (errors.length ? errors : lines.slice(-1)).join(" ");
  return msg.slice(0, 1000) || "virsh failed without a message";
}

/**
 * Maps host transport errors to API errors. Messages name the host, never the
 * key material or the command line.
 */
export function hostErrorToApp(err: unknown, hostName: string): unknown {
  if (!isHostError(err)) return err;
  if (err instanceof HostKeyMismatchError) {
    return new AppError("host_not_ready", `${hostName}: the host key changed (${err.presentedFingerprint}); connections are blocked until an operator accepts it`);
  }
  if (err instanceof CommandFailedError) return new AppError("host_error", `${hostName}: ${virshMessage(err.stderr)}`);
  switch (err.code) {
    case "host_unreachable":
      return new AppError("host_unreachable", `${hostName}: ${err.message}`);
    case "auth_failed":
      return new AppError("host_unreachable", `${hostName}: SSH authentication failed (is the public key in authorized_keys?)`);
    case "connection_closed":
      return new AppError("host_unreachable", `${hostName}: host connection lost`);
    case "command_timeout":
      return new AppError("host_error", `${hostName}: the host did not answer in time`);
    case "unsafe_argument":
      return new AppError("invalid_input", err.message);
    default:
      return new AppError("host_error", `${hostName}: ${err.message}`);
  }
}
