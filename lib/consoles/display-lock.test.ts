import { describe, expect, it } from "vitest";
import { consoleDisplayExpired } from "./display-lock";

const dom = (graphics: string) => `<domain type='qemu'><name>g</name><devices>${graphics}</devices></domain>`;
const now = Date.parse("2026-11-23T08:00:00Z");

describe("consoleDisplayExpired", () => {
  it("is true for a display whose password expired (a VM created locked, or a console password that ran out)", () => {
    expect(consoleDisplayExpired(dom("<graphics type='vnc' port='5900' autoport='yes' listen='127.0.0.1' passwdValidTo='1970-01-01T00:00:01'/>"), "vnc", now)).toBe(true);
    expect(consoleDisplayExpired(dom("<graphics type='vnc' port='5900' passwdValidTo='2026-11-23T07:59:59'/>"), "vnc", now)).toBe(true);
  });

  it("is false for a password still valid, a display without a time-limited password, or no such display", () => {
    expect(consoleDisplayExpired(dom("<graphics type='vnc' port='5900' passwdValidTo='2026-11-23T08:00:30'/>"), "vnc", now)).toBe(false);
    expect(consoleDisplayExpired(dom("<graphics type='vnc' port='5900' autoport='yes' listen='127.0.0.1'/>"), "vnc", now)).toBe(false);
    expect(consoleDisplayExpired(dom("<graphics type='spice' passwdValidTo='1970-01-01T00:00:01'/>"), "vnc", now)).toBe(false);
    expect(consoleDisplayExpired(dom(""), "spice", now)).toBe(false);
  });

  it("reads only the domain's own devices, not a nested element of the same name", () => {
    expect(consoleDisplayExpired(dom("<video><graphics type='vnc' passwdValidTo='1970-01-01T00:00:01'/></video>"), "vnc", now)).toBe(false);
  });
});
