import { describe, expect, it } from "vitest";
import { destinationsRanked, planShapeIssues, vmRunning } from "./maintenance-rules";

const H = "11111111-1111-4111-8111-111111111111";
const D = "22222222-2222-4222-8222-222222222222";

describe("maintenance rules", () => {
  it("ranks answering destinations by memory left, ties by name, and never proposes a silent host", () => {
    const dests = [
      { id: "a", name: "alpha", availableKiB: 1000 },
      { id: "b", name: "beta", availableKiB: 4000 },
      { id: "c", name: "gamma", availableKiB: null },
      { id: "d", name: "delta", availableKiB: 1000 },
    ];
    const budget = new Map([
      ["a", 1000],
      ["b", 4000],
      ["c", 9999],
      ["d", 1000],
    ]);
    expect(destinationsRanked(dests, budget).map((d) => d.id)).toEqual(["b", "a", "d"]);
    // Once the plan put guests on beta, the others come first.
    budget.set("b", 500);
    expect(destinationsRanked(dests, budget).map((d) => d.id)).toEqual(["a", "d", "b"]);
  });

  it("names the field of each plan entry that cannot be right whatever the hosts say", () => {
    const issues = planShapeIssues(H, {
      vms: [
        { uuid: "u1", action: "migrate", destHostId: H },
        { uuid: "u2", action: "migrate", destHostId: null },
        { uuid: "u1", action: "leave", destHostId: null },
        { uuid: "u3", action: "migrate", destHostId: D },
        { uuid: "u4", action: "leave", destHostId: H },
      ],
    });
    expect(issues).toEqual([
      { path: "vms.0.destHostId", message: "The destination is the host being evacuated" },
      { path: "vms.1.destHostId", message: "Choose a destination" },
      { path: "vms.2.uuid", message: "This VM is listed twice" },
    ]);
  });

  it("counts paused and blocked guests as running: they hold memory and must move live", () => {
    expect(["running", "paused", "blocked", "idle"].every(vmRunning)).toBe(true);
    expect(["shut off", "crashed", "pmsuspended"].some(vmRunning)).toBe(false);
  });
});
