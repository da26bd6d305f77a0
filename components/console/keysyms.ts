/**
 * X11 keysyms (what the RFB protocol carries) and `KeyboardEvent.code` names
 * (noVNC turns them into the scancodes of QEMU's extended key event).
 * Values from X11's keysymdef.h; noVNC's own table is not exported by its package.
 */
export const XK = {
  BackSpace: 0xff08,
  Tab: 0xff09,
  Return: 0xff0d,
  Print: 0xff61,
  Delete: 0xffff,
  Shift_L: 0xffe1,
  Control_L: 0xffe3,
  Alt_L: 0xffe9,
  F1: 0xffbe, // F2..F12 follow: F1 + n - 1
} as const;

export interface Key {
  keysym: number;
  /** `KeyboardEvent.code`: lets noVNC send the physical key (QEMU extended key event). */
  code: string | null;
}

const CTRL: Key = { keysym: XK.Control_L, code: "ControlLeft" };
const ALT: Key = { keysym: XK.Alt_L, code: "AltLeft" };
const SHIFT: Key = { keysym: XK.Shift_L, code: "ShiftLeft" };

function fn(n: number): Key {
  return { keysym: XK.F1 + n - 1, code: `F${n}` };
}

/** A key combination of the toolbar's menu; `id` ends the test id `console-key-<id>`. */
export interface KeyCombo {
  id: string;
  /** Label parts, joined with "+" in the menu (key names are not translated). */
  label: string;
  /** Pressed in order, released in reverse. */
  keys: Key[];
}

export const KEY_COMBOS: readonly KeyCombo[] = [
  ...Array.from({ length: 12 }, (_, i): KeyCombo => ({
    id: `ctrl-alt-f${i + 1}`,
    label: `Ctrl+Alt+F${i + 1}`,
    keys: [CTRL, ALT, fn(i + 1)],
  })),
  {
    id: "ctrl-alt-backspace",
    label: "Ctrl+Alt+Backspace",
    keys: [CTRL, ALT, { keysym: XK.BackSpace, code: "Backspace" }],
  },
  { id: "alt-tab", label: "Alt+Tab", keys: [ALT, { keysym: XK.Tab, code: "Tab" }] },
  { id: "print-screen", label: "Print Screen", keys: [{ keysym: XK.Print, code: "PrintScreen" }] },
];

/** One key event, as `rfb.sendKey(keysym, code, down)` takes it. */
export interface KeyEvent {
  keysym: number;
  code: string | null;
  down: boolean;
}

export function comboEvents(keys: readonly Key[]): KeyEvent[] {
  return [...keys.map((k) => ({ ...k, down: true })), ...[...keys].reverse().map((k) => ({ ...k, down: false }))];
}

/** Characters typed with Shift on a US keyboard, which is QEMU's default VNC keymap. */
const SHIFTED = new Set('~!@#$%^&*()_+{}|:"<>?');

/**
 * Keysym of a character: Latin-1 maps one to one, anything else goes through
 * X11's Unicode keysym range (0x01000000 + code point), as noVNC's keysymdef does
 * for characters without a legacy keysym. Control characters other than
 * newline and tab have no key: null.
 */
export function charKeysym(ch: string): number | null {
  const cp = ch.codePointAt(0);
  if (cp === undefined) return null;
  if (ch === "\n") return XK.Return;
  if (ch === "\t") return XK.Tab;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return null;
  if (cp <= 0xff) return cp;
  return 0x01000000 + cp;
}

/** Longest text "Paste text" types, in characters. */
export const PASTE_MAX_CHARS = 4096;

/**
 * The key events that type `text`. Keysyms only (no code): QEMU then picks the
 * key from its keymap, matching the current modifier state. It does not press
 * Shift by itself, so characters that need it (upper case, most symbols on a
 * US layout) are wrapped in Shift. CRLF counts as one newline.
 */
export function textEvents(text: string): KeyEvent[] {
  const out: KeyEvent[] = [];
  const chars = Array.from(text.replace(/\r\n?/g, "\n")).slice(0, PASTE_MAX_CHARS);
  for (const ch of chars) {
    const keysym = charKeysym(ch);
    if (keysym === null) continue;
    const shifted = (ch >= "A" && ch <= "Z") || SHIFTED.has(ch);
    const key = { keysym, code: null };
    if (shifted) out.push(...comboEvents([{ keysym: SHIFT.keysym, code: null }, key]));
    else out.push({ ...key, down: true }, { ...key, down: false });
  }
  return out;
}
