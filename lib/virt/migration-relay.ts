import "server-only";
import { randomBytes } from "node:crypto";
import type { Duplex } from "node:stream";
import type { HostTransport } from "@/lib/hosts/transport";

/** Where a system libvirtd listens (qemu:///system); the destination's sshd opens it for the relay. */
export const SYSTEM_LIBVIRT_SOCKET = "/run/libvirt/libvirt-sock";

/**
 * A libvirt connection from the source host to the destination's libvirtd, carried by virtdeck's own
 * SSH connections: the source's sshd listens on a fresh unix socket (root-only, mode 0600, on the
 * source host), every connection to it is piped by virtdeck into a streamlocal channel opened by the
 * destination's sshd on the destination's libvirt socket. Nothing listens on a network address; the
 * hosts need no credentials for each other. With `virsh migrate --p2p --tunnelled`, the source
 * libvirtd sends the guest's memory over this same connection.
 */
export interface LibvirtRelay {
  /** The unix socket on the source host. */
  readonly socketPath: string;
  /** What the source libvirtd connects to: `qemu+unix:///system?socket=<socketPath>`. */
  readonly destUri: string;
  /** Bytes relayed so far, each way. */
  bytes(): { toDestination: number; fromDestination: number };
  /** Open relayed connections (libvirt opens a few per migration). */
  connections(): number;
  /** Stops listening, ends every relayed stream and removes the socket file on the source. */
  close(): Promise<void>;
}

export interface RelayOptions {
  source: HostTransport;
  dest: HostTransport;
  /** The destination's libvirt socket (default: the system daemon's). */
  destSocket?: string;
  /** Directory on the source host for the socket (default /run, root-only state). */
  socketDir?: string;
}

export async function openLibvirtRelay(o: RelayOptions): Promise<LibvirtRelay> {
  const { source, dest } = o;
  if (!source.forwardInStreamLocal || !dest.openStreamLocal) {
    throw new Error("The host transport cannot forward unix sockets");
  }
  const socketPath = `${o.socketDir ?? "/run"}/virtdeck-migrate-${randomBytes(8).toString("hex")}.sock`;
  const destSocket = o.destSocket ?? SYSTEM_LIBVIRT_SOCKET;
  const open = new Set<Duplex>();
  let toDestination = 0;
  let fromDestination = 0;
  let closed = false;

  const onConnection = (up: Duplex) => {
    if (closed) return void up.destroy();
    open.add(up);
    dest.openStreamLocal!(destSocket).then(
      (down) => {
        if (closed) {
          up.destroy();
          down.destroy();
          return;
        }
        open.add(down);
        up.on("data", (b: Buffer) => (toDestination += b.length));
        down.on("data", (b: Buffer) => (fromDestination += b.length));
        // pipe() keeps backpressure both ways; either side ending ends the other.
        up.pipe(down);
        down.pipe(up);
        const end = () => {
          up.destroy();
          down.destroy();
          open.delete(up);
          open.delete(down);
        };
        up.once("close", end);
        down.once("close", end);
        up.once("error", end);
        down.once("error", end);
      },
      () => {
        open.delete(up);
        up.destroy();
      },
    );
  };

  const stop = await source.forwardInStreamLocal(socketPath, onConnection);
  return {
    socketPath,
    destUri: `qemu+unix:///system?socket=${socketPath}`,
    bytes: () => ({ toDestination, fromDestination }),
    connections: () => open.size,
    async close() {
      if (closed) return;
      closed = true;
      await stop().catch(() => {});
      for (const s of open) s.destroy();
      open.clear();
      // sshd does not unlink the socket it created (StreamLocalBindUnlink is about a stale one).
      if (!source.closed) await source.run(["rm", "-f", "--", socketPath], { timeoutMs: 15_000 }).catch(() => {});
    },
  };
}
