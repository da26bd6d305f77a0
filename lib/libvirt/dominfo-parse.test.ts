import { describe, expect, it } from "vitest";
import { parseDominfo } from "./dominfo-parse";

const SHUTOFF = `Id:             -
Name:           vdprove-on
UUID:           1691ddf4-e206-45d9-8bb8-25965f8ca589
OS Type:        hvm
State:          shut off
CPU(s):         2
Max memory:     98304 KiB
Used memory:    73728 KiB
Persistent:     yes
Autostart:      disable
Managed save:   no
Security model: none
Security DOI:   0
`;

describe("parseDominfo", () => {
  it("reads state and flags of a persistent domain", () => {
    expect(parseDominfo(SHUTOFF)).toEqual({
      state: "shutoff",
      persistent: true,
      autostart: false,
      hasManagedSave: false,
    });
  });

  it("reads a running transient domain with autostart and a managed save", () => {
    const text = SHUTOFF.replace("shut off", "running")
      .replace("Persistent:     yes", "Persistent:     no")
      .replace("Autostart:      disable", "Autostart:      enable")
      .replace("Managed save:   no", "Managed save:   yes");
    expect(parseDominfo(text)).toEqual({ state: "running", persistent: false, autostart: true, hasManagedSave: true });
  });

  it("reads an unknown or missing state as nostate and missing flags as off", () => {
    expect(parseDominfo("Name: x\n")).toEqual({
      state: "nostate",
      persistent: false,
      autostart: false,
      hasManagedSave: false,
    });
  });
});
