import { describe, expect, it } from "vitest";
import { RfbProtocolError, RfbViewOnlyFilter } from "./rfb-view-only";

const handshake = Buffer.concat([Buffer.from("RFB 003.008\n"), Buffer.from([1]), Buffer.from([1])]);
const setEncodings = Buffer.from([2, 0, 0, 2, 0, 0, 0, 7, 0xff, 0xff, 0xff, 0x21]);
const fbur = Buffer.from([3, 1, 0, 0, 0, 0, 0x04, 0x00, 0x03, 0x00]);
const key = Buffer.from([4, 1, 0, 0, 0, 0, 0xff, 0x0d]);
const pointer = Buffer.from([5, 1, 0, 10, 0, 20]);
const cut = Buffer.concat([Buffer.from([6, 0, 0, 0, 0, 0, 0, 3]), Buffer.from("abc")]);
const qemuKey = Buffer.from([255, 0, 0, 1, 0, 0, 0xff, 0x0d, 0, 0, 0, 0x1c]);
const xvp = Buffer.from([250, 0, 1, 4]);

describe("RfbViewOnlyFilter", () => {
  it("forwards the handshake and view messages, drops input", () => {
    const f = new RfbViewOnlyFilter();
    const out = f.push(Buffer.concat([handshake, setEncodings, key, fbur, pointer, cut, qemuKey, xvp, fbur]));
    expect(out).toEqual(Buffer.concat([handshake, setEncodings, fbur, fbur]));
  });

  it("reassembles messages split across chunks byte by byte", () => {
    const f = new RfbViewOnlyFilter();
    const all = Buffer.concat([handshake, key, fbur, pointer, setEncodings]);
    const out: Buffer[] = [];
    for (const byte of all) out.push(f.push(Buffer.from([byte])));
    expect(Buffer.concat(out)).toEqual(Buffer.concat([handshake, fbur, setEncodings]));
  });

  it("handles VNC authentication in the handshake", () => {
    const f = new RfbViewOnlyFilter();
    const auth = Buffer.concat([Buffer.from("RFB 003.008\n"), Buffer.from([2]), Buffer.alloc(16, 7), Buffer.from([1])]);
    expect(f.push(Buffer.concat([auth, key, fbur]))).toEqual(Buffer.concat([auth, fbur]));
  });

  it("ends the session on unknown messages instead of passing them", () => {
    const f = new RfbViewOnlyFilter();
    f.push(handshake);
    expect(() => f.push(Buffer.from([99, 0, 0, 0]))).toThrow(RfbProtocolError);
  });
});
