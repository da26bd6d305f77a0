import { describe, expect, it } from "vitest";
import { libvirtConnectionLost } from "./client-early";

describe("libvirtConnectionLost", () => {
  it.each([
    "error: Failed to define domain from /dev/stdin\nerror: internal error: client socket is closed",
    "error: End of file while reading data: Input/output error",
    "error: Cannot recv data: Connection reset by peer",
    "error: Cannot write data: Broken pipe",
    "error: no valid connection",
  ])("a stale libvirt connection: %s", (stderr) => {
    expect(libvirtConnectionLost(stderr)).toBe(true);
  });

  it.each([
    "error: operation failed: domain 'x' already exists with uuid 1234",
    "error: XML error: missing <name>",
    "",
  ])("a refusal, not a lost connection: %j", (stderr) => {
    expect(libvirtConnectionLost(stderr)).toBe(false);
  });
});
