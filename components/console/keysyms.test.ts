import { describe, expect, it } from "vitest";
import { KEY_COMBOS, PASTE_MAX_CHARS, XK, charKeysym, comboEvents, textEvents } from "./keysyms";

describe("key combos", () => {
  it("has Ctrl+Alt+F1..F12 with the F keysyms and codes", () => {
    const f = KEY_COMBOS.filter((c) => c.id.startsWith("ctrl-alt-f"));
    expect(f.map((c) => c.id)).toEqual(Array.from({ length: 12 }, (_, i) => `ctrl-alt-f${i + 1}`));
    expect(f[0].keys.map((k) => k.keysym)).toEqual([XK.Control_L, XK.Alt_L, 0xffbe]);
    expect(f[11].keys[2]).toEqual({ keysym: 0xffc9, code: "F12" });
  });

  it("has unique ids usable in test ids", () => {
    const ids = KEY_COMBOS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9-]+$/);
    expect(ids).toEqual(expect.arrayContaining(["print-screen", "alt-tab", "ctrl-alt-backspace"]));
  });

  it("presses in order and releases in reverse", () => {
    const alt = KEY_COMBOS.find((c) => c.id === "alt-tab")!;
    expect(comboEvents(alt.keys)).toEqual([
      { keysym: XK.Alt_L, code: "AltLeft", down: true },
      { keysym: XK.Tab, code: "Tab", down: true },
      { keysym: XK.Tab, code: "Tab", down: false },
      { keysym: XK.Alt_L, code: "AltLeft", down: false },
    ]);
  });
});

describe("charKeysym", () => {
  it("maps Latin-1 one to one, newline and tab to their keys", () => {
    expect(charKeysym("a")).toBe(0x61);
    expect(charKeysym("~")).toBe(0x7e);
    expect(charKeysym("é")).toBe(0xe9);
    expect(charKeysym("\n")).toBe(XK.Return);
    expect(charKeysym("\t")).toBe(XK.Tab);
  });

  it("uses the Unicode keysym range beyond Latin-1", () => {
    expect(charKeysym("€")).toBe(0x010020ac);
    expect(charKeysym("😀")).toBe(0x0101f600);
  });

  it("has no key for other control characters", () => {
    expect(charKeysym("\u0007")).toBeNull();
    expect(charKeysym("\u0085")).toBeNull();
  });
});

describe("textEvents", () => {
  it("types lower case as a press and a release", () => {
    expect(textEvents("ab")).toEqual([
      { keysym: 0x61, code: null, down: true },
      { keysym: 0x61, code: null, down: false },
      { keysym: 0x62, code: null, down: true },
      { keysym: 0x62, code: null, down: false },
    ]);
  });

  it("wraps upper case and shifted symbols in Shift", () => {
    for (const ch of ["A", "!", ":"]) {
      const ev = textEvents(ch);
      expect(ev.map((e) => [e.keysym, e.down])).toEqual([
        [XK.Shift_L, true],
        [ch.charCodeAt(0), true],
        [ch.charCodeAt(0), false],
        [XK.Shift_L, false],
      ]);
    }
  });

  it("turns CRLF into one Return and skips other control characters", () => {
    const ev = textEvents("a\r\nb\u0007");
    expect(ev.filter((e) => e.down).map((e) => e.keysym)).toEqual([0x61, XK.Return, 0x62]);
  });

  it("stops at the length cap", () => {
    const ev = textEvents("x".repeat(PASTE_MAX_CHARS + 10));
    expect(ev.length).toBe(PASTE_MAX_CHARS * 2);
  });
});
