/**
 * The synthetic TCP source of bench/console-proxy, run as its own process (so that pumping bytes
 * does not share an event loop with the bench's clients):
 *
 *   node --import tsx bench/console-proxy/source.ts PORT
 *
 * Listens on 127.0.0.1:PORT and prints "ready" once it does. Clients send 8-byte commands:
 *   "P" + 7 bytes  -> the same 8 bytes straight back (a keystroke-sized round trip; an RFB KeyEvent
 *                     is 8 bytes too)
 *   "S" + 0 + u48  -> that many bytes (big-endian length in bytes 2..7) as fast as the connection
 *                     takes them, honouring backpressure; the content is incompressible random data
 */
import { randomBytes } from "node:crypto";
import { createServer, type Socket } from "node:net";

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) throw new Error("usage: source.ts PORT");

const BLOCK = randomBytes(1 << 20);

function stream(sock: Socket, total: number, done: () => void): void {
  let left = total;
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, BLOCK.length);
      left -= n;
      if (!sock.write(n === BLOCK.length ? BLOCK : BLOCK.subarray(0, n))) {
        sock.once("drain", pump);
        return;
      }
    }
    done();
  };
  pump();
}

const server = createServer((sock) => {
  sock.setNoDelay(true);
  let pending: Buffer = Buffer.alloc(0);
  let busy = false;
  const work = () => {
    while (!busy && pending.length >= 8) {
      const cmd = pending.subarray(0, 8);
      pending = pending.subarray(8);
      if (cmd[0] === 0x50 /* P */) sock.write(Buffer.from(cmd));
      else if (cmd[0] === 0x53 /* S */) {
        busy = true;
        stream(sock, cmd.readUIntBE(2, 6), () => {
          busy = false;
          work();
        });
      } else {
        sock.destroy();
        return;
      }
    }
  };
  sock.on("data", (d: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, d]) : d;
    work();
  });
  sock.on("error", () => sock.destroy());
});
server.listen(port, "127.0.0.1", () => console.log("ready"));
process.on("SIGTERM", () => process.exit(0));
