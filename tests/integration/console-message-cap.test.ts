// The console websocket's message cap on the real stack (real guest with VNC behind the real sshd):
// a message over 1 MiB closes the socket with 1009 before it is buffered; one under passes.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDbKind } from "./helpers/test-database";
import { consoleOpen, consoleStackWithGuests, rfbHandshake, type ConsoleStack } from "./helpers/console-stack";
import { sessionCaller } from "./helpers/callers";

const guest = { name: `vdtest-wscap-${randomBytes(3).toString("hex")}`, uuid: randomUUID() };
const MiB = 1024 * 1024;
let s: ConsoleStack;

beforeAll(async () => {
  s = await consoleStackWithGuests([{ ...guest, vnc: true }]);
}, 120_000);

afterAll(() => s?.close());

async function openVnc() {
  const { ticket } = await s.m.tickets.consoleTicketMint(
    sessionCaller(await s.sessionOf(s.adminToken)),
    s.hostId,
    guest.uuid,
    { kind: "vnc", mode: "interactive" },
  );
  const o = await consoleOpen(s.port, ticket, s.adminToken);
  await rfbHandshake({ next: o.next, send: (b) => o.ws.send(b) });
  return o;
}

describe(`console websocket message cap on ${testDbKind()}`, () => {
  it("closes with 1009 (message too big) on a message over 1 MiB", async () => {
    const o = await openVnc();
    // A ClientCutText announcing and carrying just over 1 MiB of clipboard text.
    const text = Buffer.alloc(MiB + 1, "a");
    const head = Buffer.from([6, 0, 0, 0, 0, 0, 0, 0]);
    head.writeUInt32BE(text.length, 4);
    o.send(Buffer.concat([head, text]));
    const closed = await o.closed;
    expect(closed.code).toBe(1009);
  });

  it("keeps the console open for a message under the cap", async () => {
    const o = await openVnc();
    const text = Buffer.alloc(512 * 1024, "a");
    const head = Buffer.from([6, 0, 0, 0, 0, 0, 0, 0]);
    head.writeUInt32BE(text.length, 4);
    o.send(Buffer.concat([head, text]));
    const early = await Promise.race([
      o.closed.then((c) => c.code),
      new Promise<"open">((r) => setTimeout(() => r("open"), 1_500)),
    ]);
    expect(early).toBe("open");
    o.ws.close();
  });
});
