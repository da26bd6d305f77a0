import { describe, expect, it } from "vitest";
import { vvFields } from "../../tests/shared/vv-fields";
import { vvFile, vvHostOf, vvTicketOf } from "./vv-file";

describe("vvFile", () => {
  it("names virtdeck as the proxy and the ticket as the host, with the password", () => {
    const text = vvFile({
      host: "vd-AbC_123-x",
      password: "pw-123",
      proxy: "http://127.0.0.1:3000",
      title: "web 1 (virtdeck)",
    });
    expect(text.split("\n")[0]).toBe("[virt-viewer]");
    expect(vvFields(text)).toMatchObject({
      type: "spice",
      host: "vd-AbC_123-x",
      port: "5900",
      password: "pw-123",
      proxy: "http://127.0.0.1:3000",
      title: "web 1 (virtdeck)",
      "delete-this-file": "1",
    });
    expect(text.endsWith("\n")).toBe(true);
  });

  it("keeps hostile VM names on one line and escapes backslashes", () => {
    const v = vvFields(
      vvFile({ host: "vd-x", password: "p", proxy: "https://vd.example", title: "a\nproxy=http://evil\\b" }),
    );
    expect(v.title).toBe("a proxy=http://evil\\\\b");
    expect(v.proxy).toBe("https://vd.example");
  });

  it("refuses a proxy that is not a bare http(s) origin", () => {
    expect(() => vvFile({ host: "vd-x", password: "p", proxy: "http://a/b", title: "t" })).toThrow(/origin/);
    expect(() => vvFile({ host: "vd-x", password: "p", proxy: "socks5://a", title: "t" })).toThrow(/origin/);
  });
});

describe("vvHostOf / vvTicketOf", () => {
  const ticket = "0123456789abcdef".repeat(4);
  it("puts a hex ticket into two DNS labels and reads it back in any case", () => {
    const host = vvHostOf(ticket);
    expect(host).toBe(`vd-${ticket.slice(0, 32)}.${ticket.slice(32)}`);
    expect(vvTicketOf(host)).toBe(ticket);
    expect(vvTicketOf(host.toUpperCase())).toBe(ticket);
  });
  it("rejects anything else", () => {
    for (const h of [
      "",
      "vd-",
      `vd-${ticket}`,
      `xx-${ticket.slice(0, 32)}.${ticket.slice(32)}`,
      `vd-${ticket.slice(0, 31)}g.${ticket.slice(32)}`,
      "127.0.0.1",
    ])
      expect(vvTicketOf(h)).toBeNull();
  });
});
