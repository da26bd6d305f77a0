import "server-only";
import { AppError } from "@/lib/http/errors";
import { CommandFailedError, HostKeyMismatchError, isHostError } from "./errors";

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
    return new AppError(
      "host_not_ready",
      `${hostName}: the host key changed (${err.presentedFingerprint}); connections are blocked until an operator accepts it`,
    );
  }
  if (err instanceof CommandFailedError) return new AppError("host_error", `${hostName}: ${virshMessage(err.stderr)}`);
  switch (err.code) {
    case "host_unreachable":
      return new AppError("host_unreachable", `${hostName}: ${err.message}`);
    case "auth_failed":
      return new AppError(
        "host_unreachable",
        `${hostName}: SSH authentication failed (is the public key in authorized_keys?)`,
      );
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

/** What a host row must show before virtdeck opens a connection to it. */
export interface HostReadiness {
  name: string;
  hostKeySha256?: string | null;
  status: string;
}

/**
 * The one readiness check: a host is used only once its key is pinned and not in dispute.
 * Throws host_not_ready with what the operator must do.
 */
export function hostReadyAssert<H extends HostReadiness>(host: H): asserts host is H & { hostKeySha256: string } {
  if (host.status === "key_mismatch") {
    throw new AppError(
      "host_not_ready",
      `${host.name}: the host key changed; accept or reject it on the host page first`,
    );
  }
  if (!host.hostKeySha256) {
    throw new AppError("host_not_ready", `${host.name}: confirm the host key first (Test connection on the host page)`);
  }
}

/** True when hostReadyAssert would pass. */
export function hostIsReady(host: HostReadiness): boolean {
  return host.status !== "key_mismatch" && !!host.hostKeySha256;
}
