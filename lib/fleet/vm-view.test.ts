import { readFileSync } from "node:fs";
import path from "node:path";
import { createTranslator } from "use-intl";
import { describe, expect, it } from "vitest";
import { parseDomainXml } from "@/lib/libvirt/domain-xml-parse";
import { graphicsWarning, graphicsWarningMessage, toVmSummary, vmSummaryWithInfo } from "./vm-view";

const domain = (graphics: string) =>
  parseDomainXml(
    `<domain type='qemu'><name>g</name><uuid>5f1c8f36-61f4-4a43-9a0d-3f3b8f7d2c11</uuid><memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os><devices>${graphics}</devices></domain>`,
  );

function vmsT(locale: "en" | "fr") {
  const messages = { vms: JSON.parse(readFileSync(path.join(process.cwd(), "messages", locale, "vms.json"), "utf8")) };
  return createTranslator({ locale, messages, namespace: "vms" });
}

describe("graphicsWarningMessage", () => {
  const exposed = domain(
    "<graphics type='vnc' port='-1' autoport='yes' listen='0.0.0.0'><listen type='address' address='0.0.0.0'/></graphics>",
  );

  it("gives the browser a key whose English is the server's sentence, and whose French is French", () => {
    const m = graphicsWarningMessage(exposed)!;
    expect(m).toEqual({ key: "detail.graphicsWarning", params: { type: "VNC", address: "0.0.0.0" } });
    expect(vmsT("en")(m.key as never, m.params as never)).toBe(graphicsWarning(exposed));
    expect(vmsT("fr")(m.key as never, m.params as never)).toBe(
      "VNC écoute sur 0.0.0.0 : quiconque peut joindre l’hôte à cette adresse peut ouvrir la console. Réglez son adresse d’écoute sur 127.0.0.1.",
    );
  });

  it("says nothing for a console on the loopback", () => {
    const local = domain(
      "<graphics type='spice' port='-1' autoport='yes' listen='127.0.0.1'><listen type='address' address='127.0.0.1'/></graphics>",
    );
    expect(graphicsWarningMessage(local)).toBeNull();
    expect(graphicsWarning(local)).toBeNull();
  });
});

describe("vmSummaryWithInfo", () => {
  const running = toVmSummary(
    { id: "h", name: "host" },
    domain(""),
    { name: "g", state: "running", blocks: [], nets: [], raw: {} },
    { autostart: false, hasManagedSave: false, persistent: true },
    { cpuPercent: 12, uptimeSeconds: 30 },
  );

  it("takes state and flags from dominfo and offers the actions of that state", () => {
    const off = vmSummaryWithInfo(running, {
      state: "shutoff",
      persistent: true,
      autostart: true,
      hasManagedSave: true,
    });
    expect(off).toMatchObject({ state: "shutoff", autostart: true, hasManagedSave: true, cpuPercent: null });
    expect(off.allowedActions).toEqual(["start", "managedsave-remove", "autostart-off"]);
    expect(running.allowedActions).toContain("destroy");
  });

  it("keeps a template's start refused", () => {
    const tpl = { ...running, template: true };
    const off = vmSummaryWithInfo(tpl, { state: "shutoff", persistent: true, autostart: false, hasManagedSave: false });
    expect(off.allowedActions).not.toContain("start");
  });
});
