import { describe, expect, it } from "vitest";
import { consoleDisplayTimeLimited } from "./display-lock";

const dom = (graphics: string) => `<domain type='qemu'><name>g</name><devices>${graphics}</devices></domain>`;

describe("consoleDisplayTimeLimited", () => {
  it("is true for a display whose password has a validity, expired (a VM created locked) or still running (an earlier console's)", () => {
    expect(
      consoleDisplayTimeLimited(
        dom("<graphics type='vnc' port='5900' autoport='yes' listen='127.0.0.1' passwdValidTo='1970-01-01T00:00:01'/>"),
        "vnc",
      ),
    ).toBe(true);
    expect(
      consoleDisplayTimeLimited(dom("<graphics type='vnc' port='5900' passwdValidTo='2026-11-23T07:59:59'/>"), "vnc"),
    ).toBe(true);
    expect(
      consoleDisplayTimeLimited(dom("<graphics type='vnc' port='5900' passwdValidTo='2999-01-01T00:00:00'/>"), "vnc"),
    ).toBe(true);
  });

  it("is false for a display without a time-limited password, or no such display", () => {
    expect(
      consoleDisplayTimeLimited(dom("<graphics type='vnc' port='5900' autoport='yes' listen='127.0.0.1'/>"), "vnc"),
    ).toBe(false);
    expect(consoleDisplayTimeLimited(dom("<graphics type='vnc' port='5900' passwdValidTo=''/>"), "vnc")).toBe(false);
    expect(consoleDisplayTimeLimited(dom("<graphics type='spice' passwdValidTo='1970-01-01T00:00:01'/>"), "vnc")).toBe(
      false,
    );
    expect(consoleDisplayTimeLimited(dom(""), "spice")).toBe(false);
  });

  it("reads only the domain's own devices, not a nested element of the same name", () => {
    expect(
      consoleDisplayTimeLimited(
        dom("<video><graphics type='vnc' passwdValidTo='1970-01-01T00:00:01'/></video>"),
        "vnc",
      ),
    ).toBe(false);
  });
});
