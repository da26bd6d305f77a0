/**
 * Server-side view-only for VNC: parses the client-to-server half of RFB and
 * drops every message that would act on the guest (keys, pointer, clipboard,
 * power (xvp), desktop resize), so a view-only session cannot type even with a
 * modified client. Unknown messages end the session rather than pass unparsed.
 * RFB: https://github.com/rfbproto/rfbproto/blob/master/rfbproto.rst
 */
export class RfbProtocolError extends Error {}

type Phase = "version" | "security" | "vncauth" | "init" | "messages";

export class RfbViewOnlyFilter {
  #buf: Buffer = Buffer.alloc(0);
  #phase: Phase = "version";

  /** Feeds client bytes; returns what may be forwarded to the VNC server. */
  push(chunk: Buffer): Buffer {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    const out: Buffer[] = [];
    for (;;) {
      const n = this.#next();
      if (n === null) break;
      const msg = this.#buf.subarray(0, n.length);
      this.#buf = this.#buf.subarray(n.length);
      if (n.forward) out.push(msg);
    }
    return out.length === 1 ? out[0] : Buffer.concat(out);
  }

  /** Length of the next complete client message and whether to forward it, or null if incomplete. */
  #next(): { length: number; forward: boolean } | null {
    const b = this.#buf;
    switch (this.#phase) {
      case "version":
        if (b.length < 12) return null;
        this.#phase = "security";
        return { length: 12, forward: true };
      case "security":
        if (b.length < 1) return null;
        // 1 = None, 2 = VNC authentication (16-byte response follows).
        this.#phase = b[0] === 2 ? "vncauth" : "init";
        return { length: 1, forward: true };
      case "vncauth":
        if (b.length < 16) return null;
        this.#phase = "init";
        return { length: 16, forward: true };
      case "init":
        if (b.length < 1) return null;
        this.#phase = "messages";
        return { length: 1, forward: true };
      case "messages":
        return this.#message(b);
    }
  }

  #message(b: Buffer): { length: number; forward: boolean } | null {
    if (b.length < 1) return null;
    const need = (n: number) => (b.length < n ? null : n);
    switch (b[0]) {
      case 0: // SetPixelFormat
        return wrap(need(20), true);
      case 2: {
        // SetEncodings: 4 + 4 * count
        if (b.length < 4) return null;
        return wrap(need(4 + 4 * b.readUInt16BE(2)), true);
      }
      case 3: // FramebufferUpdateRequest
        return wrap(need(10), true);
      case 4: // KeyEvent
        return wrap(need(8), false);
      case 5: // PointerEvent
        return wrap(need(6), false);
      case 6: {
        // ClientCutText: 8 + length (extended clipboard uses a negative length)
        if (b.length < 8) return null;
        const len = Math.abs(b.readInt32BE(4));
        if (len > 10 * 1024 * 1024) throw new RfbProtocolError("clipboard message too large");
        return wrap(need(8 + len), false);
      }
      case 150: // EnableContinuousUpdates
        return wrap(need(10), true);
      case 248: {
        // ClientFence: 9 + length
        if (b.length < 9) return null;
        return wrap(need(9 + b[8]), true);
      }
      case 250: {
        // xvp (shutdown/reboot/reset of the guest): never from a viewer
        return wrap(need(4), false);
      }
      case 251: {
        // SetDesktopSize: 8 + 16 * screens
        if (b.length < 8) return null;
        return wrap(need(8 + 16 * b[6]), false);
      }
      case 255: {
        // QEMU client message: 0 = extended key event (12 bytes); others (audio) are not needed to view.
        if (b.length < 2) return null;
        if (b[1] === 0) return wrap(need(12), false);
        throw new RfbProtocolError(`QEMU client message ${b[1]} is not allowed in view-only sessions`);
      }
      default:
        throw new RfbProtocolError(`unknown RFB client message type ${b[0]}`);
    }
  }
}

function wrap(length: number | null, forward: boolean): { length: number; forward: boolean } | null {
  return length === null ? null : { length, forward };
}
