/**
 * Server-side view-only for VNC: follows both halves of the RFB handshake exactly as QEMU runs it,
 * then parses every client-to-server message by type and length and drops those that would act on
 * the guest (keys, pointer, clipboard, power (xvp), desktop resize), so a view-only session cannot
 * type even with a modified client. Anything it does not understand ends the session (fail closed):
 * a byte it took for the wrong field would let hidden input through.
 *
 * The client's reading of the stream depends on the server's answers (the security type QEMU
 * chose, whether a SecurityResult follows), so the server's bytes are read too (observed, never
 * changed), and client bytes wait until the server has said how they are to be read.
 *
 * QEMU (ui/vnc.c, 7.2): protocol_version() sends "RFB 003.008\n" and accepts client 3.3, 3.7 and 3.8
 * (3.4/3.5 read as 3.3; this filter takes only the three exact strings). 3.3: the server names one
 * security type as a u32 (None or VNC auth); 3.7/3.8: it lists exactly one, the client echoes it
 * (protocol_client_auth). VNC auth: 16-byte challenge, 16-byte response, then a SecurityResult in
 * every version (protocol_client_auth_vnc); None: a SecurityResult only in 3.8. Then ClientInit (1),
 * ServerInit (24 + name length), then protocol_client_msg().
 * RFB: https://www.rfc-editor.org/rfc/rfc6143 (7.1-7.5), https://github.com/rfbproto/rfbproto/blob/master/rfbproto.rst
 */
export class RfbProtocolError extends Error {}

const VERSIONS: Record<string, number> = { "RFB 003.003\n": 3, "RFB 003.007\n": 7, "RFB 003.008\n": 8 };
const SEC_NONE = 1;
const SEC_VNC = 2;
/** Client bytes held while waiting for the server (or for the rest of a message). */
export const RFB_PENDING_MAX = 64 * 1024;
/** QEMU refuses clipboard messages longer than 1 MiB (ui/vnc.c, VNC_MSG_CLIENT_CUT_TEXT). */
export const RFB_CUT_TEXT_MAX = 1 << 20;
/** SetEncodings counts beyond this are no viewer's (noVNC sends about 20). */
export const RFB_ENCODINGS_MAX = 1024;
/** ServerInit's desktop name is skipped, never buffered; still, a longer one is no QEMU's. */
const RFB_NAME_MAX = 1 << 20;

type ServerPhase =
  "version" | "security" | "types" | "afterChoice" | "challenge" | "result" | "init" | "name" | "done" | "failed";
type ClientPhase = "version" | "security" | "vncauth" | "init" | "messages";

export class RfbViewOnlyFilter {
  #c: Buffer = Buffer.alloc(0);
  #cPhase: ClientPhase = "version";
  /** Bytes of a dropped clipboard message still to skip (never buffered). */
  #cSkip = 0;
  #s: Buffer = Buffer.alloc(0);
  #sPhase: ServerPhase = "version";
  #sSkip = 0;
  #serverMinor = 0;
  #clientMinor = 0;
  /** 3.3: the type the server named; 3.7/3.8: the types it offered, then the one the client chose. */
  #offered: number[] | null = null;
  #chosen = 0;

  /** Feeds client bytes; returns what may be forwarded to the VNC server now. */
  fromClient(chunk: Buffer): Buffer {
    if (this.#cSkip) {
      const n = Math.min(this.#cSkip, chunk.length);
      this.#cSkip -= n;
      chunk = chunk.subarray(n);
    }
    this.#c = this.#c.length ? Buffer.concat([this.#c, chunk]) : chunk;
    return this.#drainClient();
  }

  /**
   * Feeds server bytes (they go to the client unchanged); returns client bytes this answer
   * released, to forward to the VNC server now.
   */
  fromServer(chunk: Buffer): Buffer {
    if (this.#sPhase === "done" || this.#sPhase === "failed") return Buffer.alloc(0);
    if (this.#sSkip) {
      const n = Math.min(this.#sSkip, chunk.length);
      this.#sSkip -= n;
      chunk = chunk.subarray(n);
      // Past ServerInit the server's messages are not read (nothing the client sends depends on them).
      if (this.#sSkip === 0 && this.#sPhase === "name") {
        this.#sPhase = "done";
        return this.#drainClient();
      }
    }
    this.#s = this.#s.length ? Buffer.concat([this.#s, chunk]) : chunk;
    while (this.#serverStep());
    if (this.#s.length > RFB_PENDING_MAX) throw new RfbProtocolError("VNC server handshake too long");
    return this.#drainClient();
  }

  #drainClient(): Buffer {
    const out: Buffer[] = [];
    for (;;) {
      if (this.#cSkip) break;
      const n = this.#clientStep();
      if (n === null) break;
      const msg = this.#c.subarray(0, n.length);
      this.#c = this.#c.subarray(n.length);
      if (n.forward) out.push(msg);
      if (n.skip) {
        const k = Math.min(n.skip, this.#c.length);
        this.#c = this.#c.subarray(k);
        this.#cSkip = n.skip - k;
      }
    }
    if (this.#c.length > RFB_PENDING_MAX) throw new RfbProtocolError("too much VNC input before the server answered");
    return out.length === 1 ? out[0] : Buffer.concat(out);
  }

  /** Consumes one server handshake field if complete; false when it needs more bytes or is past the handshake. */
  #serverStep(): boolean {
    const b = this.#s;
    const take = (n: number) => (this.#s = b.subarray(n));
    switch (this.#sPhase) {
      case "version": {
        if (b.length < 12) return false;
        const minor = VERSIONS[b.subarray(0, 12).toString("latin1")];
        if (!minor) throw new RfbProtocolError("unsupported VNC server version");
        this.#serverMinor = minor;
        this.#sPhase = "security";
        take(12);
        return true;
      }
      case "security": {
        if (!this.#clientMinor) {
          if (b.length) throw new RfbProtocolError("VNC server spoke before the client's version");
          return false;
        }
        if (this.#minor() === 3) {
          if (b.length < 4) return false;
          const type = b.readUInt32BE(0);
          take(4);
          // 0: the server refuses the connection (a reason follows, then it closes).
          if (type === 0) return this.#fail();
          if (type !== SEC_NONE && type !== SEC_VNC)
            throw new RfbProtocolError(`VNC security type ${type} is not supported`);
          this.#offered = [type];
          this.#chosen = type;
          this.#sPhase = type === SEC_VNC ? "challenge" : "init";
          return true;
        }
        if (b.length < 1) return false;
        if (b[0] === 0) {
          take(1);
          return this.#fail();
        }
        this.#sPhase = "types";
        return true;
      }
      case "types": {
        if (b.length < 1 || b.length < 1 + b[0]) return false;
        this.#offered = [...b.subarray(1, 1 + b[0])];
        take(1 + b[0]);
        this.#sPhase = "afterChoice";
        return true;
      }
      case "afterChoice":
        if (b.length) throw new RfbProtocolError("VNC server spoke before the client chose a security type");
        return false;
      case "challenge":
        if (b.length < 16) return false;
        take(16);
        this.#sPhase = "result";
        return true;
      case "result": {
        if (b.length < 4) return false;
        const ok = b.readUInt32BE(0) === 0;
        take(4);
        if (!ok) return this.#fail();
        this.#sPhase = "init";
        return true;
      }
      case "init": {
        if (b.length < 24) return false;
        if (this.#cPhase !== "messages") throw new RfbProtocolError("VNC server sent ServerInit before ClientInit");
        const nameLength = b.readUInt32BE(20);
        if (nameLength > RFB_NAME_MAX) throw new RfbProtocolError("VNC desktop name too long");
        const rest = b.length - 24;
        const k = Math.min(rest, nameLength);
        take(24 + k);
        this.#sSkip = nameLength - k;
        this.#sPhase = this.#sSkip ? "name" : "done";
        if (this.#sPhase === "done") this.#s = Buffer.alloc(0);
        return false;
      }
      case "name":
      case "done":
      case "failed":
        return false;
    }
  }

  /** The server refused (it sends a reason and closes): nothing more from this client reaches it. */
  #fail(): false {
    this.#sPhase = "failed";
    this.#s = Buffer.alloc(0);
    return false;
  }

  #minor(): number {
    return Math.min(this.#serverMinor, this.#clientMinor);
  }

  /** Length of the next complete client field and whether to forward it; null while incomplete or waiting for the server. */
  #clientStep(): { length: number; forward: boolean; skip?: number } | null {
    const b = this.#c;
    switch (this.#cPhase) {
      case "version": {
        if (b.length < 12) return null;
        const minor = VERSIONS[b.subarray(0, 12).toString("latin1")];
        if (!minor) throw new RfbProtocolError("unsupported VNC client version");
        if (!this.#serverMinor) return null;
        this.#clientMinor = minor;
        this.#cPhase = "security";
        return { length: 12, forward: true };
      }
      case "security": {
        if (this.#minor() === 3) {
          // 3.3: no client byte; the server's u32 says what comes next.
          if (!this.#chosen) return null;
          this.#cPhase = this.#chosen === SEC_VNC ? "vncauth" : "init";
          return { length: 0, forward: false };
        }
        if (!this.#offered || b.length < 1) return null;
        const type = b[0];
        if (!this.#offered.includes(type) || (type !== SEC_NONE && type !== SEC_VNC))
          throw new RfbProtocolError(`VNC security type ${type} is not supported`);
        if (this.#sPhase !== "afterChoice") throw new RfbProtocolError("VNC security type chosen out of turn");
        this.#chosen = type;
        this.#cPhase = type === SEC_VNC ? "vncauth" : "init";
        // What the server sends next depends on this choice. 3.7 with None: no SecurityResult
        // (rfbproto, "Version 3.7"; QEMU protocol_client_auth writes it only for minor >= 8).
        this.#sPhase = type === SEC_VNC ? "challenge" : this.#minor() >= 8 ? "result" : "init";
        return { length: 1, forward: true };
      }
      case "vncauth":
        if (b.length < 16) return null;
        this.#cPhase = "init";
        return { length: 16, forward: true };
      case "init":
        // ClientInit only once the server accepted the security handshake.
        if (this.#sPhase !== "init" || b.length < 1) return null;
        this.#cPhase = "messages";
        return { length: 1, forward: true };
      case "messages":
        if (this.#sPhase !== "done") return null;
        return this.#message(b);
    }
  }

  /** QEMU's protocol_client_msg(): the messages it reads, with their exact lengths. */
  #message(b: Buffer): { length: number; forward: boolean; skip?: number } | null {
    if (b.length < 1) return null;
    const need = (n: number, forward: boolean) => (b.length < n ? null : { length: n, forward });
    switch (b[0]) {
      case 0: // SetPixelFormat
        return need(20, true);
      case 2: {
        // SetEncodings: 4 + 4 * count
        if (b.length < 4) return null;
        const count = b.readUInt16BE(2);
        if (count > RFB_ENCODINGS_MAX) throw new RfbProtocolError("too many VNC encodings");
        return need(4 + 4 * count, true);
      }
      case 3: // FramebufferUpdateRequest
        return need(10, true);
      case 4: // KeyEvent
        return need(8, false);
      case 5: // PointerEvent
        return need(6, false);
      case 6: {
        // ClientCutText: 8 + length (QEMU's extended clipboard sends a negative length); skipped, never buffered.
        if (b.length < 8) return null;
        const len = Math.abs(b.readInt32BE(4));
        if (len > RFB_CUT_TEXT_MAX) throw new RfbProtocolError("clipboard message too large");
        return { length: 8, forward: false, skip: len };
      }
      case 250: // xvp (shutdown/reboot/reset of the guest): never from a viewer
        return need(4, false);
      case 251: {
        // SetDesktopSize: 8 + 16 * screens
        if (b.length < 8) return null;
        return need(8 + 16 * b[6], false);
      }
      case 255: {
        // QEMU client message: 0 = extended key event (12 bytes); others (audio) are not needed to view.
        if (b.length < 2) return null;
        if (b[1] === 0) return need(12, false);
        throw new RfbProtocolError(`QEMU client message ${b[1]} is not allowed in view-only sessions`);
      }
      default:
        // Includes fences (248) and continuous updates (150): QEMU implements neither.
        throw new RfbProtocolError(`unknown RFB client message type ${b[0]}`);
    }
  }
}
