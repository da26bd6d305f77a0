import { DOMParser } from "@xmldom/xmldom";
import { describe, expect, it } from "vitest";
import { graphicsPasswordXml, libvirtUtc } from "./graphics-password";

// Live XML as libvirt 9 prints it for a running guest with both displays (trimmed to devices).
const LIVE = `<domain type='kvm' id='7'>
  <name>spice &amp; vnc</name>
  <devices>
    <graphics type='vnc' port='5900' autoport='yes' listen='127.0.0.1'>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
    <graphics type='spice' port='5901' autoport='yes' listen='127.0.0.1'>
      <listen type='address' address='127.0.0.1'/>
      <image compression='off'/>
    </graphics>
    <video><model type='vga'/></video>
  </devices>
</domain>`;

const parse = (xml: string) => new DOMParser().parseFromString(xml, "text/xml").documentElement!;

describe("graphicsPasswordXml", () => {
  it("keeps the live element (port, listen, children) and adds password, UTC validity and connected=keep", () => {
    const el = parse(
      graphicsPasswordXml(LIVE, {
        type: "spice",
        password: "s3cr3t'\"<&",
        validTo: new Date("2026-11-23T05:01:02.345Z"),
      }),
    );
    expect(el.tagName).toBe("graphics");
    expect(el.getAttribute("type")).toBe("spice");
    expect(el.getAttribute("port")).toBe("5901");
    expect(el.getAttribute("autoport")).toBe("yes");
    expect(el.getAttribute("listen")).toBe("127.0.0.1");
    expect(el.getAttribute("passwd")).toBe("s3cr3t'\"<&");
    expect(el.getAttribute("passwdValidTo")).toBe("2026-11-23T05:01:02");
    expect(el.getAttribute("connected")).toBe("keep");
    expect(el.getElementsByTagName("listen")[0].getAttribute("address")).toBe("127.0.0.1");
    expect(el.getElementsByTagName("image").length).toBe(1);
  });

  it("picks the display of the asked type only", () => {
    const el = parse(graphicsPasswordXml(LIVE, { type: "vnc", password: "abc", validTo: new Date(0) }));
    expect(el.getAttribute("port")).toBe("5900");
    expect(el.getAttribute("passwdValidTo")).toBe("1970-01-01T00:00:00");
  });

  it("refuses a domain without that display and passwords that are empty, too long or not printable", () => {
    const vncOnly = LIVE.replace(/<graphics type='spice'[\s\S]*?<\/graphics>/, "");
    expect(() => graphicsPasswordXml(vncOnly, { type: "spice", password: "x", validTo: new Date() })).toThrow(
      /no spice display/,
    );
    for (const password of ["", "a".repeat(65), "new\nline", "tab\there"]) {
      expect(() => graphicsPasswordXml(LIVE, { type: "vnc", password, validTo: new Date() })).toThrow(/printable/);
    }
  });

  it("formats libvirt's UTC timestamps", () => {
    expect(libvirtUtc(new Date("2030-01-02T03:04:05.999Z"))).toBe("2030-01-02T03:04:05");
  });
});
