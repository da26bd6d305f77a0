// Byte-exact clients for display protocols in integration tests: a raw TCP connection that reads
// exact counts, the SPICE link with its RSA-OAEP password (as spice-gtk and spice-html5 send it),
// and HTTP CONNECT to the app as remote-viewer does with a .vv file.
import { constants, createPublicKey, publicEncrypt } from "node:crypto";
import net from "node:net";

/** Both directions of a display connection: exact reads, writes. A TCP socket or a console websocket. */
export interface Wire {
  next(n: number): Promise<Buffer>;
  send(b: Buffer | string): void;
}

/** A raw TCP client to 127.0.0.1:port that reads exact byte counts (or up to a pattern, for HTTP heads). */
export function tcp(port: number) {
  const sock = net.connect(port, "127.0.0.1");
  let buf = Buffer.alloc(0);
  let ended = false;
  const waiters: (() => void)[] = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  sock.on("data", (d) => {
    buf = Buffer.concat([buf, d]);
    wake();
  });
  sock.on("close", () => {
    ended = true;
    wake();
  });
  sock.on("error", () => {});
  /** Reads n bytes, or up to the end of the first match of a pattern (an HTTP head). */
  const read = (n: number | RegExp, timeoutMs = 10_000): Promise<Buffer> =>
    new Promise((res, rej) => {
      const t = setTimeout(
        () =>
          rej(new Error(`timed out with ${buf.length} bytes: ${JSON.stringify(buf.toString("latin1").slice(0, 80))}`)),
        timeoutMs,
      );
      const check = () => {
        const m = typeof n === "number" ? null : n.exec(buf.toString("latin1"));
        const at = typeof n === "number" ? (buf.length >= n ? n : -1) : m ? m.index + m[0].length : -1;
        if (at >= 0) {
          clearTimeout(t);
          const out = buf.subarray(0, at);
          buf = buf.subarray(at);
          res(out);
        } else if (ended) {
          clearTimeout(t);
          rej(Object.assign(new Error(`closed with ${buf.length} bytes`), { rest: buf }));
        } else waiters.push(check);
      };
      check();
    });
  return {
    sock,
    read,
    next: (n: number) => read(n),
    send: (b: Buffer | string) => void sock.write(b),
    rest: () => buf,
  };
}

/** HTTP CONNECT to the app (at appPort) as GIO's HTTP proxy client sends it; the tunnel and the status code. */
export async function connectThrough(appPort: number, hostPart: string) {
  const c = tcp(appPort);
  c.send(`CONNECT ${hostPart}:5900 HTTP/1.0\r\nHost: ${hostPart}:5900\r\nUser-Agent: GLib/2.74\r\n\r\n`);
  const head = (await c.read(/\r\n\r\n/)).toString("latin1");
  return { c, status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0), head };
}

/** SPICE link for the main channel (protocol 2.2, no capabilities): header + SpiceLinkMess. */
export function spiceLinkMess(): Buffer {
  const body = Buffer.alloc(18);
  body.writeUInt32LE(0, 0); // connection_id
  body.writeUInt8(1, 4); // channel_type: main
  body.writeUInt8(0, 5); // channel_id
  body.writeUInt32LE(0, 6); // num_common_caps
  body.writeUInt32LE(0, 10); // num_channel_caps
  body.writeUInt32LE(18, 14); // caps_offset
  const head = Buffer.alloc(16);
  head.write("REDQ", 0, "latin1");
  head.writeUInt32LE(2, 4);
  head.writeUInt32LE(2, 8);
  head.writeUInt32LE(body.length, 12);
  return Buffer.concat([head, body]);
}

/**
 * The SPICE link, then the password RSA-OAEP encrypted with the server's public key, as spice-gtk and
 * spice-html5 do; the server's link error and its auth result (0 = SPICE_LINK_ERR_OK).
 */
export async function spiceLogin(
  w: Wire,
  password: string,
): Promise<{ magic: string; linkError: number; authResult: number }> {
  w.send(spiceLinkMess());
  const head = await w.next(16);
  const magic = head.subarray(0, 4).toString("latin1");
  const reply = await w.next(head.readUInt32LE(12));
  const linkError = reply.readUInt32LE(0);
  const key = createPublicKey({ key: reply.subarray(4, 4 + 162), format: "der", type: "spki" });
  w.send(publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING }, Buffer.from(`${password}\0`, "latin1")));
  return { magic, linkError, authResult: (await w.next(4)).readUInt32LE(0) };
}
