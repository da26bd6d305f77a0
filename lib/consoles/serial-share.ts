import "server-only";
import { PassThrough, type Duplex } from "node:stream";

/**
 * The serial consoles this instance holds, per VM, so view-only viewers can watch them.
 *
 * libvirt lets one client at a time attach to a guest's console; `virsh console --force` detaches
 * whoever holds it (libvirt src/conf/virchrdev.c, virChrdevOpen). An interactive console keeps its
 * take-over rules (it forces); a view-only viewer never does: it watches a copy of the stream this
 * instance already holds for the VM, else it opens the console without --force, which libvirt
 * refuses while anyone else (another instance, a virsh outside virtdeck) holds it.
 */
interface Held {
  stream: Duplex;
  hostGone: () => boolean;
  taps: Set<PassThrough>;
}

/** A watcher this far behind is dropped rather than holding up the stream of the person typing. */
const TAP_MAX_BUFFER = 1024 * 1024;
const KEY = Symbol.for("virtdeck.serialHeld");

function held(): Map<string, Held> {
  const g = globalThis as unknown as { [KEY]?: Map<string, Held> };
  return (g[KEY] ??= new Map());
}

const keyOf = (hostId: string, vmUuid: string) => `${hostId}/${vmUuid}`;

/**
 * Offers an open serial console to view-only viewers of the same VM. Call it once the owner's own
 * data listener is attached (the stream starts flowing here). The newest holder wins: the previous
 * one was just detached by libvirt (--force) and ends with its watchers.
 */
export function serialShareOffer(hostId: string, vmUuid: string, stream: Duplex, hostGone: () => boolean): void {
  const map = held();
  const key = keyOf(hostId, vmUuid);
  const entry: Held = { stream, hostGone, taps: new Set() };
  map.set(key, entry);
  stream.on("data", (chunk: Buffer) => {
    for (const tap of entry.taps) {
      if (tap.destroyed) continue;
      if (tap.writableLength > TAP_MAX_BUFFER) tap.destroy();
      else tap.write(chunk);
    }
  });
  const end = () => {
    if (map.get(key) === entry) map.delete(key);
    for (const tap of entry.taps) tap.end();
    entry.taps.clear();
  };
  stream.once("end", end);
  stream.once("close", end);
}

/** A read-only copy of the serial console this instance holds for the VM, from now on; null when it holds none. */
export function serialShareTap(hostId: string, vmUuid: string): { stream: Duplex; hostGone: () => boolean } | null {
  const entry = held().get(keyOf(hostId, vmUuid));
  if (!entry || entry.stream.destroyed || entry.stream.readableEnded) return null;
  const tap = new PassThrough();
  entry.taps.add(tap);
  tap.once("close", () => entry.taps.delete(tap));
  return { stream: tap, hostGone: entry.hostGone };
}
