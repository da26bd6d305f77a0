import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  canForceOff,
  canManagedSave,
  canPause,
  canReboot,
  canReset,
  canResume,
  canShutdown,
  canStart,
  isActive,
  vmStateFromNumber,
  vmStateFromText,
  type VmState,
} from "./vm-state";

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, "__fixtures__", name), "utf8");

describe("vmStateFromNumber", () => {
  it("follows virDomainState", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(vmStateFromNumber)).toEqual([
      "nostate",
      "running",
      "blocked",
      "paused",
      "shutdown",
      "shutoff",
      "crashed",
      "pmsuspended",
    ]);
  });

  it.each([8, -1, 1.5, Number.NaN])("maps %s to nostate", (n) => {
    expect(vmStateFromNumber(n)).toBe("nostate");
  });
});

describe("vmStateFromText", () => {
  it("reads real `virsh domstate --reason` output", () => {
    expect(vmStateFromText(fixture("domstate-running.txt"))).toBe("running");
    expect(vmStateFromText(fixture("domstate-shutoff.txt"))).toBe("shutoff");
  });

  it.each<[string, VmState]>([
    ["no state", "nostate"],
    ["running", "running"],
    ["idle", "blocked"],
    ["paused (user)", "paused"],
    ["in shutdown", "shutdown"],
    ["shut off (destroyed)", "shutoff"],
    ["crashed (panicked)", "crashed"],
    ["pmsuspended", "pmsuspended"],
    ["something new", "nostate"],
  ])("%s -> %s", (text, state) => {
    expect(vmStateFromText(`${text}\n`)).toBe(state);
  });
});

describe("action predicates", () => {
  const ALL: VmState[] = ["running", "blocked", "paused", "shutdown", "shutoff", "crashed", "pmsuspended", "nostate"];
  const allowed = (p: (s: VmState) => boolean) => ALL.filter(p);

  it("follow libvirt's QEMU driver", () => {
    expect(allowed(canStart)).toEqual(["shutoff"]);
    expect(allowed(canShutdown)).toEqual(["running", "blocked"]);
    expect(allowed(canReboot)).toEqual(["running", "blocked"]);
    expect(allowed(canPause)).toEqual(["running", "blocked"]);
    expect(allowed(canResume)).toEqual(["paused"]);
    expect(allowed(canManagedSave)).toEqual(["running", "blocked", "paused"]);
    const active = ["running", "blocked", "paused", "shutdown", "crashed", "pmsuspended"];
    expect(allowed(isActive)).toEqual(active);
    expect(allowed(canForceOff)).toEqual(active);
    expect(allowed(canReset)).toEqual(active);
  });
});
