import { describe, expect, it } from "vitest";
import { RFB_PENDING_MAX, RfbProtocolError, RfbViewOnlyFilter } from "./rfb-view-only";

// Byte streams as QEMU 7.2 (ui/vnc.c) and a viewer exchange them, per version and security type.
const V3 = Buffer.from("RFB 003.003\n");
const V7 = Buffer.from("RFB 003.007\n");
const V8 = Buffer.from("RFB 003.008\n");
const u32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const serverInit = (name = "tiny") =>
  Buffer.concat([Buffer.from([0x04, 0x00, 0x03, 0x00]), Buffer.alloc(16, 1), u32(name.length), Buffer.from(name)]);
const challenge = Buffer.alloc(16, 0xab);
const response = Buffer.alloc(16, 0xcd);
const clientInit = Buffer.from([1]);

const setPixelFormat = Buffer.concat([Buffer.from([0, 0, 0, 0]), Buffer.alloc(16, 2)]);
const setEncodings = Buffer.from([2, 0, 0, 2, 0, 0, 0, 7, 0xff, 0xff, 0xff, 0x21]);
const fbur = Buffer.from([3, 1, 0, 0, 0, 0, 0x04, 0x00, 0x03, 0x00]);
const key = Buffer.from([4, 1, 0, 0, 0, 0, 0x00, 0x61]);
const pointer = Buffer.from([5, 1, 0, 10, 0, 20]);
const cut = Buffer.concat([Buffer.from([6, 0, 0, 0, 0, 0, 0, 3]), Buffer.from("abc")]);
const cutExtended = Buffer.concat([Buffer.from([6, 0, 0, 0, 0xff, 0xff, 0xff, 0xfc]), Buffer.from([0, 0, 0, 1])]);
const qemuKey = Buffer.from([255, 0, 0, 1, 0, 0, 0, 0x61, 0, 0, 0, 0x1e]);
const xvp = Buffer.from([250, 0, 1, 4]);
const desktopSize = Buffer.concat([Buffer.from([251, 0, 4, 0, 3, 0, 1, 0]), Buffer.alloc(16)]);
const VIEW = Buffer.concat([setPixelFormat, setEncodings, fbur]);
const INPUT = Buffer.concat([key, fbur, pointer, cut, qemuKey, xvp, cutExtended, desktopSize, fbur]);
/** What of INPUT reaches the server: the two update requests. */
const INPUT_PASSED = Buffer.concat([fbur, fbur]);

/** One side's bytes, in the order they cross the proxy; `pass` is what of a client step must reach the server. */
type Step = { s: Buffer } | { c: Buffer; pass?: Buffer };

/** A full session per version and security type, up to and including some messages after ServerInit. */
function session(version: 3 | 7 | 8, auth: "none" | "vnc"): Step[] {
  const v = { 3: V3, 7: V7, 8: V8 }[version];
  const type = auth === "none" ? 1 : 2;
  const steps: Step[] = [{ s: V8 }, { c: v }];
  if (version === 3) steps.push({ s: u32(type) });
  else steps.push({ s: Buffer.from([1, type]) }, { c: Buffer.from([type]) });
  if (auth === "vnc") steps.push({ s: challenge }, { c: response }, { s: u32(0) });
  else if (version === 8) steps.push({ s: u32(0) });
  steps.push(
    { c: clientInit },
    { s: serverInit() },
    { c: Buffer.concat([VIEW, INPUT]), pass: Buffer.concat([VIEW, INPUT_PASSED]) },
  );
  return steps;
}

/** Runs the steps through a filter, each chunk split into pieces of `size` bytes; every byte forwarded to the server. */
function run(steps: Step[], size = Infinity): Buffer {
  const f = new RfbViewOnlyFilter();
  const out: Buffer[] = [];
  for (const st of steps) {
    const data = "s" in st ? st.s : st.c;
    for (let i = 0; i < data.length; i += size) {
      const piece = data.subarray(i, Math.min(data.length, i + size));
      out.push("s" in st ? f.fromServer(piece) : f.fromClient(piece));
    }
  }
  return Buffer.concat(out);
}

const expected = (steps: Step[]) => Buffer.concat(steps.flatMap((st) => ("c" in st ? [st.pass ?? st.c] : [])));

describe("RfbViewOnlyFilter", () => {
  for (const version of [3, 7, 8] as const) {
    for (const auth of ["none", "vnc"] as const) {
      it(`RFB 3.${version}, security ${auth}: forwards the handshake and view messages, drops every input message`, () => {
        const steps = session(version, auth);
        expect(run(steps)).toEqual(expected(steps));
      });

      it(`RFB 3.${version}, security ${auth}: the same when both directions arrive one byte at a time, or in pieces of 2..13`, () => {
        const steps = session(version, auth);
        for (const size of [1, 2, 3, 5, 7, 11, 13]) expect(run(steps, size)).toEqual(expected(steps));
      });

      it(`RFB 3.${version}, security ${auth}: split once at every byte boundary of the client's messages`, () => {
        const steps = session(version, auth);
        const last = steps.at(-1) as { c: Buffer; pass: Buffer };
        for (let at = 0; at <= last.c.length; at++) {
          const split: Step[] = [...steps.slice(0, -1), { c: last.c.subarray(0, at) }, { c: last.c.subarray(at) }];
          const f = new RfbViewOnlyFilter();
          const out: Buffer[] = [];
          for (const st of split) out.push("s" in st ? f.fromServer(st.s) : f.fromClient(st.c));
          expect(Buffer.concat(out).subarray(-last.pass.length)).toEqual(last.pass);
        }
      });
    }
  }

  it("stops reading the server after ServerInit, whether its name and the first updates come in one piece or many", () => {
    const update = Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.alloc(12), Buffer.alloc(RFB_PENDING_MAX * 2, 9)]);
    const init = Buffer.concat([serverInit("a desktop name"), update]);
    const handshake: Step[] = [
      { s: V8 },
      { c: V8 },
      { s: Buffer.from([1, 1]) },
      { c: Buffer.from([1]) },
      { s: u32(0) },
      { c: clientInit },
    ];
    for (const size of [1, 3, 24, 25, 30, 4096]) {
      const f = new RfbViewOnlyFilter();
      const out: Buffer[] = [];
      for (const st of handshake) out.push("s" in st ? f.fromServer(st.s) : f.fromClient(st.c));
      // The head in pieces, the rest (a large update) at once.
      const head = 24 + 14 + 64;
      for (let i = 0; i < head; i += size) out.push(f.fromServer(init.subarray(i, Math.min(head, i + size))));
      out.push(f.fromServer(init.subarray(head)));
      out.push(f.fromClient(Buffer.concat([fbur, key, fbur])));
      expect(Buffer.concat(out)).toEqual(Buffer.concat([V8, Buffer.from([1]), clientInit, fbur, fbur]));
    }
    // The name split, its end arriving with a large update in one chunk.
    const f = new RfbViewOnlyFilter();
    for (const st of handshake) "s" in st ? f.fromServer(st.s) : f.fromClient(st.c);
    f.fromServer(init.subarray(0, 29));
    f.fromServer(init.subarray(29));
    expect(f.fromClient(Buffer.concat([key, fbur]))).toEqual(fbur);
  });

  it("holds client bytes sent ahead of the server until the server says how to read them", () => {
    const steps = session(7, "vnc");
    const client = Buffer.concat(steps.flatMap((st) => ("c" in st ? [st.c] : [])));
    const f = new RfbViewOnlyFilter();
    // Everything the client will ever send, before the server said a word: nothing passes.
    expect(f.fromClient(client)).toEqual(Buffer.alloc(0));
    const released: Buffer[] = [];
    for (const st of steps) if ("s" in st) released.push(f.fromServer(st.s));
    expect(Buffer.concat(released)).toEqual(expected(steps));
  });

  it("3.3 attack: a client that says 3.3 gets no security byte read, so keys hidden after it never pass", () => {
    // The old filter read the 3.3 client's ClientInit (1) as the security type and the next
    // message's first byte as ClientInit, then took a crafted KeyEvent for part of a SetEncodings.
    const f = new RfbViewOnlyFilter();
    const out: Buffer[] = [f.fromServer(V8), f.fromClient(V3), f.fromServer(u32(1))];
    // ClientInit, then a "SetEncodings" whose count swallows nothing here, then keys.
    const sneaky = Buffer.concat([clientInit, Buffer.from([2, 0, 0, 1, 4, 1, 0, 0]), key, key]);
    out.push(f.fromClient(sneaky), f.fromServer(serverInit()));
    // ServerInit came only after ClientInit: the rest is read as messages, the keys are dropped.
    expect(Buffer.concat(out)).toEqual(Buffer.concat([V3, clientInit, Buffer.from([2, 0, 0, 1, 4, 1, 0, 0])]));
  });

  it("3.3 attack through the old filter's shift: every KeyEvent byte pattern is dropped whatever the split", () => {
    const keys = Buffer.concat(Array.from({ length: 20 }, (_, i) => Buffer.from([4, 1, 0, 0, 0, 0, 0, 0x61 + i])));
    const steps: Step[] = [
      { s: V8 },
      { c: V3 },
      { s: u32(1) },
      { c: clientInit },
      { s: serverInit() },
      { c: Buffer.concat([setEncodings, keys, fbur]), pass: Buffer.concat([setEncodings, fbur]) },
    ];
    for (const size of [1, 2, 3, 4, 5, 6, 7, 8, 9, 64]) expect(run(steps, size)).toEqual(expected(steps));
  });

  it("accepts only the exact versions QEMU speaks: 3.3, 3.7 and 3.8", () => {
    for (const v of [
      "RFB 003.004\n",
      "RFB 003.005\n",
      "RFB 003.889\n",
      "RFB 004.001\n",
      "RFB 003.8\n\0\0",
      "GET / HTTP/1",
    ]) {
      const f = new RfbViewOnlyFilter();
      f.fromServer(V8);
      expect(() => f.fromClient(Buffer.from(v, "latin1"))).toThrow(RfbProtocolError);
    }
    expect(() => new RfbViewOnlyFilter().fromServer(Buffer.from("RFB 003.006\n"))).toThrow(RfbProtocolError);
  });

  it("refuses security types it does not follow (VeNCrypt, SASL, a type the server did not offer)", () => {
    const f33 = new RfbViewOnlyFilter();
    f33.fromServer(V8);
    f33.fromClient(V3);
    expect(() => f33.fromServer(u32(19))).toThrow(RfbProtocolError);

    for (const [offered, chosen] of [
      [[19], 19],
      [[1], 2],
      [[2], 1],
      [[18], 18],
    ] as const) {
      const f = new RfbViewOnlyFilter();
      f.fromServer(V8);
      f.fromClient(V8);
      f.fromServer(Buffer.from([offered.length, ...offered]));
      expect(() => f.fromClient(Buffer.from([chosen]))).toThrow(RfbProtocolError);
    }
  });

  it("passes nothing after a failed security handshake", () => {
    const f = new RfbViewOnlyFilter();
    const out = [
      f.fromServer(V8),
      f.fromClient(V8),
      f.fromServer(Buffer.from([1, 2])),
      f.fromClient(Buffer.from([2])),
      f.fromServer(challenge),
      f.fromClient(response),
    ];
    out.push(f.fromServer(Buffer.concat([u32(1), u32(4), Buffer.from("fail")])));
    out.push(f.fromClient(Buffer.concat([clientInit, fbur, key])));
    expect(Buffer.concat(out)).toEqual(Buffer.concat([V8, Buffer.from([2]), response]));
    // 3.3: type 0 is a refusal.
    const g = new RfbViewOnlyFilter();
    expect(
      Buffer.concat([
        g.fromServer(V8),
        g.fromClient(V3),
        g.fromServer(Buffer.concat([u32(0), u32(2), Buffer.from("no")])),
        g.fromClient(clientInit),
      ]),
    ).toEqual(V3);
  });

  it("ends the session on unknown messages, QEMU messages it does not allow, and fences or continuous updates QEMU does not implement", () => {
    for (const msg of [
      [99, 0, 0, 0],
      [7],
      [150, 1, 0, 0, 0, 0, 0, 0, 0, 0],
      [248, 0, 0, 0, 0, 0, 0, 0, 0],
      [255, 1, 0, 0],
      [255, 7],
    ]) {
      const f = new RfbViewOnlyFilter();
      for (const st of session(8, "none").slice(0, -1)) "s" in st ? f.fromServer(st.s) : f.fromClient(st.c);
      expect(() => f.fromClient(Buffer.from(msg))).toThrow(RfbProtocolError);
    }
  });

  it("bounds every length: clipboard, encodings count, held input, desktop name", () => {
    const ready = () => {
      const f = new RfbViewOnlyFilter();
      for (const st of session(8, "none").slice(0, -1)) "s" in st ? f.fromServer(st.s) : f.fromClient(st.c);
      return f;
    };
    expect(() => ready().fromClient(Buffer.from([6, 0, 0, 0, 0x00, 0x10, 0x00, 0x01]))).toThrow(/clipboard/);
    expect(() => ready().fromClient(Buffer.from([6, 0, 0, 0, 0x80, 0x00, 0x00, 0x00]))).toThrow(/clipboard/);
    expect(() => ready().fromClient(Buffer.from([2, 0, 0xff, 0xff]))).toThrow(/encodings/);
    // A 1 MiB clipboard is skipped as it streams by, never held.
    const f = ready();
    expect(f.fromClient(Buffer.from([6, 0, 0, 0, 0x00, 0x10, 0x00, 0x00]))).toEqual(Buffer.alloc(0));
    for (let i = 0; i < 16; i++) expect(f.fromClient(Buffer.alloc(65536, 4))).toEqual(Buffer.alloc(0));
    expect(f.fromClient(fbur)).toEqual(fbur);
    // Input sent ahead of a silent server is held only up to RFB_PENDING_MAX.
    const g = new RfbViewOnlyFilter();
    g.fromServer(V8);
    g.fromClient(V8);
    expect(() => g.fromClient(Buffer.alloc(RFB_PENDING_MAX + 1, 1))).toThrow(RfbProtocolError);
    const h = new RfbViewOnlyFilter();
    h.fromServer(V8);
    h.fromClient(V3);
    h.fromServer(u32(1));
    h.fromClient(clientInit);
    expect(() => h.fromServer(Buffer.concat([Buffer.alloc(20), u32(0x7fffffff)]))).toThrow(/name/);
  });

  it("refuses a server that speaks out of turn", () => {
    const f = new RfbViewOnlyFilter();
    f.fromServer(V8);
    expect(() => f.fromServer(Buffer.from([1, 1]))).toThrow(RfbProtocolError);
    const g = new RfbViewOnlyFilter();
    g.fromServer(V8);
    g.fromClient(V8);
    g.fromServer(Buffer.from([1, 1]));
    expect(() => g.fromServer(u32(0))).toThrow(RfbProtocolError);
  });
});
