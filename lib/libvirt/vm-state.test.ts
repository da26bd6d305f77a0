import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import * as vmState from "./vm-state";
import { VM_STATES, vmStateFromNumber, vmStateFromText, type VmState } from "./vm-state";

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, "__fixtures__", name), "utf8");

describe("vmStateFromNumber", () => {
  it.each<[number, VmState]>([
    [0, "nostate"],
    [1, "running"],
    [2, "blocked"],
    [3, "paused"],
    [4, "shutdown"],
    [5, "shutoff"],
    [6, "crashed"],
    [7, "pmsuspended"],
  ])("maps virDomainState %s to %s", (n, state) => {
    expect(vmStateFromNumber(n)).toBe(state);
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
  type Predicate = Extract<keyof typeof vmState, `can${string}` | "isActive">;
  const ACTIVE: VmState[] = ["running", "blocked", "paused", "shutdown", "crashed", "pmsuspended"];

  // What libvirt's QEMU driver accepts in each state.
  it.each<[Predicate, VmState[]]>([
    ["canStart", ["shutoff"]],
    ["canShutdown", ["running", "blocked"]],
    ["canReboot", ["running", "blocked"]],
    ["canPause", ["running", "blocked"]],
    ["canResume", ["paused"]],
    ["canManagedSave", ["running", "blocked", "paused"]],
    ["isActive", ACTIVE],
    ["canForceOff", ACTIVE],
    ["canReset", ACTIVE],
  ])("%s holds in %j", (predicate, states) => {
    expect(VM_STATES.filter(vmState[predicate])).toEqual(states);
  });
});
