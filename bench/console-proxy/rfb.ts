import type { Pipe } from "./pipe";

/**
 * The few RFB (VNC, RFC 6143) client messages the bench needs, spoken to QEMU's VNC server through
 * any Pipe: the 3.8 handshake with security type None (the SSH tunnel is the security boundary),
 * SetEncodings, FramebufferUpdateRequest, and a parser for the server's messages.
 */
export const ENC_RAW = 0;
/** ExtendedDesktopSize pseudo-encoding: QEMU answers every non-incremental request with it at once. */
export const ENC_EXT_DESKTOP_SIZE = -308;

export interface ServerInit {
  width: number;
  height: number;
  bytesPerPixel: number;
  name: string;
}

export async function rfbHandshake(p: Pipe, timeoutMs = 30_000): Promise<ServerInit> {
  const version = (await p.take(12, timeoutMs)).toString("latin1");
  if (!/^RFB 003\.\d{3}\n$/.test(version)) throw new Error(`not an RFB server: ${JSON.stringify(version)}`);
  p.send(Buffer.from("RFB 003.008\n", "latin1"));
  const count = (await p.take(1, timeoutMs))[0];
  if (count === 0) {
    const len = (await p.take(4, timeoutMs)).readUInt32BE(0);
    throw new Error(`RFB refused: ${(await p.take(len, timeoutMs)).toString("utf8")}`);
  }
  const types = [...(await p.take(count, timeoutMs))];
  if (!types.includes(1)) throw new Error(`RFB server offers no security type None (${types.join(",")})`);
  p.send(Buffer.from([1]));
  const result = (await p.take(4, timeoutMs)).readUInt32BE(0);
  if (result !== 0) throw new Error(`RFB security result ${result}`);
  p.send(Buffer.from([1])); // ClientInit: shared
  const init = await p.take(24, timeoutMs);
  const name = (await p.take(init.readUInt32BE(20), timeoutMs)).toString("utf8");
  return { width: init.readUInt16BE(0), height: init.readUInt16BE(2), bytesPerPixel: init[4] / 8, name };
}

export function setEncodings(p: Pipe, encodings: number[]): void {
  const b = Buffer.alloc(4 + 4 * encodings.length);
  b[0] = 2;
  b.writeUInt16BE(encodings.length, 2);
  encodings.forEach((e, i) => b.writeInt32BE(e, 4 + 4 * i));
  p.send(b);
}

/** FramebufferUpdateRequest: 10 bytes. */
export function updateRequest(p: Pipe, incremental: boolean, x: number, y: number, w: number, h: number): void {
  const b = Buffer.alloc(10);
  b[0] = 3;
  b[1] = incremental ? 1 : 0;
  b.writeUInt16BE(x, 2);
  b.writeUInt16BE(y, 4);
  b.writeUInt16BE(w, 6);
  b.writeUInt16BE(h, 8);
  p.send(b);
}

export interface Update {
  rects: { w: number; h: number; encoding: number }[];
  /** Pixel bytes in Raw rectangles. */
  pixelBytes: number;
  /** When the message header arrived (performance.now()). */
  headerAt: number;
}

/**
 * Reads server messages until a FramebufferUpdate; Bell, cut text and colour map messages in
 * between are skipped. Raw pixel data is consumed without being kept.
 */
export async function readUpdate(p: Pipe, bytesPerPixel: number, timeoutMs = 30_000): Promise<Update> {
  for (;;) {
    const type = (await p.take(1, timeoutMs))[0];
    const headerAt = performance.now();
    if (type === 0) {
      const n = (await p.take(3, timeoutMs)).readUInt16BE(1);
      const u: Update = { rects: [], pixelBytes: 0, headerAt };
      for (let i = 0; i < n; i++) {
        const r = await p.take(12, timeoutMs);
        const w = r.readUInt16BE(4);
        const h = r.readUInt16BE(6);
        const encoding = r.readInt32BE(8);
        if (encoding === ENC_RAW) {
          await p.skip(w * h * bytesPerPixel, timeoutMs);
          u.pixelBytes += w * h * bytesPerPixel;
        } else if (encoding === ENC_EXT_DESKTOP_SIZE) {
          const screens = (await p.take(4, timeoutMs))[0];
          await p.take(16 * screens, timeoutMs);
        } else if (encoding !== -223 && encoding !== -257 && encoding !== -258) {
          // Only Raw and pseudo-encodings without payload were offered.
          throw new Error(`unexpected RFB encoding ${encoding}`);
        }
        u.rects.push({ w, h, encoding });
      }
      return u;
    } else if (type === 1) {
      const n = (await p.take(5, timeoutMs)).readUInt16BE(3);
      await p.take(6 * n, timeoutMs);
    } else if (type === 2) {
      /* Bell */
    } else if (type === 3) {
      const len = (await p.take(7, timeoutMs)).readUInt32BE(3);
      await p.take(len, timeoutMs);
    } else throw new Error(`unexpected RFB server message ${type}`);
  }
}
