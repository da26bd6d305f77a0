import "server-only";
import type { Duplex } from "node:stream";
import { parseDomainXml } from "@/lib/libvirt/domain-xml-parse";
import { hostGet, type HostView } from "@/lib/fleet/hosts";
import { hostClientFor } from "@/lib/fleet/runtime";
import { domainXmlGet } from "@/lib/virt/domain";
import { consoleDomainState } from "@/lib/consoles/domain";
import { consoleLiveCount, QEMU_VNC_VIEWERS } from "@/lib/consoles/console-offer";
import type { ConsumedTicket } from "@/lib/consoles/tickets";
import { serialShareOffer, serialShareTap } from "@/lib/consoles/serial-share";
import { CLOSE, HOST_LOST, SERIAL_IN_USE, SERIAL_WATCH_ENDED } from "./close-codes";

/** The guest's side of a console: a byte stream through the host's SSH connection. */
export interface Backend {
  stream: Duplex;
  host: HostView;
  vmName: string;
  hostName: string;
  /** True once the host's SSH connection is gone (vs. the guest closing its end). */
  hostGone: () => boolean;
  resize?: (cols: number, rows: number) => void;
  /** Serial: offers the stream to view-only viewers of the VM, once its own data listener is attached. */
  share?: () => void;
  /** Serial, view-only: a copy of a console another session of this instance holds. */
  watching?: boolean;
}

/** Opens the guest's display (SSH forwardOut to the host's loopback) or serial console (`virsh console` on a pty). */
export async function backendOpen(t: ConsumedTicket): Promise<Backend> {
  const host = await hostGet(t.hostId);
  const client = hostClientFor(host, { commandErrorCode: "host_error" });
  const dom = parseDomainXml(await domainXmlGet({ host: client, uuid: t.vmUuid }));
  if (t.kind === "serial") {
    // View-only never forces (it would detach the person typing): it watches the stream this
    // instance holds for the VM, else opens the console without --force (lib/consoles/serial-share.ts).
    const tap = t.viewOnly ? serialShareTap(host.id, t.vmUuid) : null;
    if (tap)
      return {
        stream: tap.stream,
        host,
        vmName: dom.name,
        hostName: host.name,
        hostGone: tap.hostGone,
        watching: true,
      };
    // Session channels count against sshd's MaxSessions: serial consoles live on connections of their own.
    const { stream, hostGone } = await client.virshChannel(
      { command: "console", args: [{ domain: t.vmUuid }, ...(t.viewOnly ? [] : [{ flag: "--force" }])] },
      { pty: true, own: true },
    );
    return {
      stream,
      host,
      vmName: dom.name,
      hostName: host.name,
      hostGone,
      resize: (cols, rows) => stream.setWindow?.(rows, cols, 0, 0),
      share: () => serialShareOffer(host.id, t.vmUuid, stream, hostGone),
    };
  }
  const g = dom.graphics.find((x) => x.type === t.kind);
  if (!g?.port || g.port <= 0)
    throw Object.assign(new Error(`${dom.name} has no active ${t.kind} display`), { closeCode: CLOSE.notFound });
  // Listening on a wildcard still answers on loopback; a specific address must be used as is.
  const listen = g.listen ?? g.listens.find((l) => l.address)?.address;
  const address = !listen || listen === "0.0.0.0" || listen === "::" ? "127.0.0.1" : listen;
  const { stream, hostGone } = await client.forwardOut(address, g.port);
  return { stream, host, vmName: dom.name, hostName: host.name, hostGone };
}

/**
 * Fewest bytes a VNC server sends up to and including ServerInit: version (12), one security type
 * (2), SecurityResult (4), ServerInit without its name (24). Less means the viewer never got in.
 */
const RFB_BEFORE_SERVER_INIT = 42;
/** Lets libvirt notice a QEMU that exited before asking it whether the guest still runs. */
const STATE_SETTLE_MS = 250;

/**
 * Why the guest side of a console ended: close code and reason. The channel ends when SSH drops
 * (the transport tells), when the guest goes away, and when QEMU turns the viewer away while the
 * guest runs on (libvirt tells those two apart).
 */
export async function backendEndReason(
  backend: Backend,
  ticket: ConsumedTicket,
  bytesOut: number,
): Promise<[number, string]> {
  if (backend.hostGone()) return [CLOSE.hostLost, HOST_LOST];
  await new Promise((r) => setTimeout(r, STATE_SETTLE_MS));
  if (backend.hostGone()) return [CLOSE.hostLost, HOST_LOST];
  const state = await consoleDomainState(backend.host, ticket.vmUuid);
  const runs = state === "running" || state === "paused" || state === "blocked" || state === "pmsuspended";
  if (!runs) return [CLOSE.guestClosed, "the guest closed the console"];
  if (ticket.kind === "serial") {
    if (backend.watching) return [CLOSE.refused, SERIAL_WATCH_ENDED];
    // Opened without --force: libvirt refused it (or later gave it to someone who forced).
    if (ticket.viewOnly) return [CLOSE.refused, SERIAL_IN_USE];
    return [CLOSE.refused, "another client took the serial console"];
  }
  if (ticket.kind === "vnc") {
    // QEMU turns a viewer past its limit away after the security handshake, before ServerInit
    // (ui/vnc.c protocol_client_init); viewers outside virtdeck count too, so the bytes tell, not only our records.
    const viewers =
      bytesOut < RFB_BEFORE_SERVER_INIT
        ? Infinity
        : await consoleLiveCount(ticket.hostId, ticket.vmUuid, "vnc").catch(() => 0);
    // This session's own row is among them.
    if (viewers > QEMU_VNC_VIEWERS)
      return [
        CLOSE.refused,
        `the VM's display refused the viewer: QEMU allows ${QEMU_VNC_VIEWERS} viewers per display`,
      ];
  }
  return [CLOSE.refused, "the VM's display closed the connection"];
}
