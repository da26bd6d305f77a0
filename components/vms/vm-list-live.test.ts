import { describe, expect, it } from "vitest";
import type { VmSummary } from "@/components/vms/types";
import { knownVmsRemember, vmListApplyEvent, type KnownVms } from "@/components/vms/vm-list-live";

const vm = (over: Partial<VmSummary>): VmSummary => ({
  hostId: "h1",
  hostName: "host one",
  uuid: "u1",
  name: "web",
  title: "",
  state: "shutoff",
  vcpus: 1,
  memoryKiB: 65536,
  maxMemoryKiB: 65536,
  cpuPercent: null,
  uptimeSeconds: null,
  autostart: false,
  hasManagedSave: false,
  graphics: null,
  template: false,
  allowedActions: ["start"],
  addresses: [],
  ...over,
});

function setup(rows: VmSummary[]): KnownVms {
  const known: KnownVms = new Map();
  knownVmsRemember(known, rows);
  return known;
}

const all = { host: "", state: "" as const };

describe("vmListApplyEvent", () => {
  it("updates a row of the page in place without reloading", () => {
    const rows = [vm({ uuid: "a" }), vm({ uuid: "b" })];
    const known = setup(rows);
    const r = vmListApplyEvent(
      rows,
      { hostId: "h1", uuid: "b", vm: vm({ uuid: "b", state: "running", cpuPercent: 12 }) },
      all,
      known,
    );
    expect(r.refetch).toBe(false);
    expect(r.vms.map((v) => v.state)).toEqual(["shutoff", "running"]);
    expect(r.vms[1].cpuPercent).toBe(12);
    expect(rows[1].state).toBe("shutoff"); // not mutated
  });

  it("tells a UUID on another host apart", () => {
    const rows = [vm({ uuid: "a" })];
    const known = setup(rows);
    const r = vmListApplyEvent(
      rows,
      { hostId: "h2", uuid: "a", vm: vm({ hostId: "h2", uuid: "a", state: "running" }) },
      all,
      known,
    );
    expect(r.vms[0].state).toBe("shutoff");
    expect(r.refetch).toBe(true);
  });

  it("reloads once for a VM it has never seen, then not for its later ticks", () => {
    const known = setup([]);
    const ev = { hostId: "h1", uuid: "new", vm: vm({ uuid: "new", state: "running" }) };
    expect(vmListApplyEvent([], ev, all, known).refetch).toBe(true);
    expect(vmListApplyEvent([], { ...ev, vm: { ...ev.vm, cpuPercent: 40 } }, all, known).refetch).toBe(false);
  });

  it("removes a VM that is gone and reloads to fill the page", () => {
    const rows = [vm({ uuid: "a" }), vm({ uuid: "b" })];
    const r = vmListApplyEvent(rows, { hostId: "h1", uuid: "a", vm: null }, all, setup(rows));
    expect(r.vms.map((v) => v.uuid)).toEqual(["b"]);
    expect(r.refetch).toBe(true);
  });

  it("ignores other hosts when the list is filtered by host", () => {
    const r = vmListApplyEvent([], { hostId: "h2", uuid: "x", vm: null }, { host: "h1", state: "" }, setup([]));
    expect(r.refetch).toBe(false);
  });

  it("reloads when a VM leaves or enters the state filter", () => {
    const rows = [vm({ uuid: "a", state: "running" })];
    const known = setup([...rows, vm({ uuid: "off", state: "shutoff" })]);
    const running = { host: "", state: "running" as const };
    expect(
      vmListApplyEvent(rows, { hostId: "h1", uuid: "a", vm: vm({ uuid: "a", state: "paused" }) }, running, known)
        .refetch,
    ).toBe(true);
    expect(
      vmListApplyEvent(rows, { hostId: "h1", uuid: "off", vm: vm({ uuid: "off", state: "running" }) }, running, known)
        .refetch,
    ).toBe(true);
    expect(
      vmListApplyEvent(
        rows,
        { hostId: "h1", uuid: "off", vm: vm({ uuid: "off", state: "running", cpuPercent: 3 }) },
        running,
        known,
      ).refetch,
    ).toBe(false);
  });
});
