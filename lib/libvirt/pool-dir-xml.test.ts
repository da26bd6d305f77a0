import { describe, expect, it } from "vitest";
import { parsePoolXml } from "./storage-xml";
import { dirPoolXmlBuild } from "./pool-dir-xml";

describe("dirPoolXmlBuild", () => {
  it("builds a dir pool that reads back with its name and path", () => {
    const xml = dirPoolXmlBuild({ name: "default", path: "/var/lib/libvirt/images" });
    expect(xml).toBe(
      '<pool type="dir"><name>default</name><target><path>/var/lib/libvirt/images</path></target></pool>',
    );
    expect(parsePoolXml(xml)).toMatchObject({ name: "default", type: "dir", targetPath: "/var/lib/libvirt/images" });
  });
  it("escapes what it is given (never parsed as XML)", () => {
    const xml = dirPoolXmlBuild({ name: `a"<b>&`, path: "/x/<y>" });
    expect(xml).toContain('<name>a"&lt;b&gt;&amp;</name>');
    expect(parsePoolXml(xml).name).toBe(`a"<b>&`);
  });
});
