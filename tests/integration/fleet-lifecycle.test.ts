// lib/fleet vmActionRun: every lifecycle action on one real guest on host1, with the state checked
// after each one with plain `virsh` (the source of truth), and the audit trail it leaves.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetSetup, stackEnv, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { dominfo, domstate, GuestLab, virshSync, type Guest } from "./helpers/fleet-guests";

const stack = stackEnv();
const lab = new GuestLab("life");
let f: FleetContext;
let host: HostView;
let guest: Guest;
/** [action, outcome] in the order this file ran them, to compare with the audit log at the end. */
const expectedAudit: [string, string][] = [];

type Action = import("@/lib/fleet/vm-view").VmAction;

async function act(action: Action) {
  try {
    const vm = await f.mod.vms.vmActionRun(f.caller, host.id, guest.uuid, action);
    expectedAudit.push([`vm.${action}`, "success"]);
    return vm;
  } catch (err) {
    expectedAudit.push([`vm.${action}`, "failure"]);
    throw err;
  }
}

function withManagedSave(): string[] {
  return virshSync("host1", ["list", "--all", "--with-managed-save", "--uuid"])
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}

beforeAll(async () => {
  f = await fleetSetup();
  host = await f.addHost(stack.host1);
  guest = lab.define("host1");
});

afterAll(async () => {
  const problems = await lab.cleanup();
  await f?.teardown();
  expect(problems).toEqual([]);
});

describe(`lifecycle actions on ${process.env.VD_TEST_DB ?? "pglite"}`, () => {
  it("start -> running", async () => {
    expect(domstate(guest)).toBe("shut off");
    const vm = await act("start");
    expect(vm.state).toBe("running");
    expect(domstate(guest)).toBe("running");
    expect(vm.allowedActions).toEqual([
      "shutdown",
      "reboot",
      "destroy",
      "reset",
      "suspend",
      "managedsave",
      "autostart-on",
    ]);
  });

  it("suspend -> paused, resume -> running", async () => {
    const paused = await act("suspend");
    expect(paused.state).toBe("paused");
    expect(domstate(guest)).toBe("paused");
    expect(paused.allowedActions).toContain("resume");
    expect(paused.allowedActions).not.toContain("suspend");

    const resumed = await act("resume");
    expect(resumed.state).toBe("running");
    expect(domstate(guest)).toBe("running");
  });

  it("reboot and reset are accepted and the guest stays active", async () => {
    const idBefore = dominfo(guest).Id;
    expect((await act("reboot")).state).toBe("running");
    expect(domstate(guest)).toBe("running");
    expect((await act("reset")).state).toBe("running");
    expect(domstate(guest)).toBe("running");
    // Same QEMU process: neither action stopped the domain.
    expect(dominfo(guest).Id).toBe(idBefore);
  });

  it("shutdown is accepted, but a guest without an OS ignores the ACPI request", async () => {
    const vm = await act("shutdown");
    // libvirt sent the ACPI power button; SeaBIOS ("No bootable device") does not act on it.
    expect(vm.state).toBe("running");
    expect(domstate(guest)).toBe("running");
  });

  it("autostart on and off", async () => {
    const on = await act("autostart-on");
    expect(on.autostart).toBe(true);
    expect(on.allowedActions).toContain("autostart-off");
    expect(dominfo(guest).Autostart).toBe("enable");
    const off = await act("autostart-off");
    expect(off.autostart).toBe(false);
    expect(off.allowedActions).toContain("autostart-on");
    expect(dominfo(guest).Autostart).toBe("disable");
    expect(domstate(guest)).toBe("running");
  });

  it("managedsave -> shut off with a managed save; start restores it", async () => {
    const saved = await act("managedsave");
    expect(saved).toMatchObject({ state: "shutoff", hasManagedSave: true });
    expect(saved.allowedActions).toEqual(["start", "managedsave-remove", "autostart-on"]);
    expect(domstate(guest)).toBe("shut off");
    expect(dominfo(guest)["Managed save"]).toBe("yes");
    expect(withManagedSave()).toContain(guest.uuid);

    const restored = await act("start");
    expect(restored).toMatchObject({ state: "running", hasManagedSave: false });
    expect(virshSync("host1", ["domstate", "--reason", guest.uuid]).trim()).toBe("running (restored)");
    expect(dominfo(guest)["Managed save"]).toBe("no");
  });

  it("destroy -> shut off", async () => {
    const vm = await act("destroy");
    expect(vm.state).toBe("shutoff");
    expect(domstate(guest)).toBe("shut off");
    expect(virshSync("host1", ["domstate", "--reason", guest.uuid]).trim()).toBe("shut off (destroyed)");
  });

  it("managedsave-remove discards a managed save", async () => {
    await act("start");
    await act("managedsave");
    expect(dominfo(guest)["Managed save"]).toBe("yes");
    const vm = await act("managedsave-remove");
    expect(vm).toMatchObject({ state: "shutoff", hasManagedSave: false });
    expect(dominfo(guest)["Managed save"]).toBe("no");
    expect(withManagedSave()).not.toContain(guest.uuid);
    expect(domstate(guest)).toBe("shut off");
  });

  it("an action the current state does not allow throws invalid_state and changes nothing", async () => {
    for (const action of ["resume", "suspend", "destroy", "reboot", "managedsave-remove"] as const) {
      const err = await act(action).catch((e) => e);
      expect(err, action).toMatchObject({ code: "invalid_state" });
      expect(err.message).toBe(`Cannot ${action.replace("-", " ")} ${guest.name} while it is shutoff`);
    }
    expect(domstate(guest)).toBe("shut off");
    expect(dominfo(guest)["Managed save"]).toBe("no");
    const refused = (await f.auditActions("vm.resume")).at(-1);
    expect(refused).toMatchObject({
      outcome: "failure",
      details: expect.objectContaining({ reason: "invalid_state", stateBefore: "shutoff" }),
    });
  });

  it("an action libvirt refuses returns action_failed with virsh's own message", async () => {
    rmSync(guest.disk);
    const err = await act("start").catch((e) => e);
    expect(err).toMatchObject({ code: "action_failed" });
    expect(err.message).toContain("Cannot access storage file");
    expect(err.message).toContain(guest.disk);
    expect(err.message).not.toMatch(/^error:/);
    expect(domstate(guest)).toBe("shut off");
    const audited = (await f.auditActions("vm.start")).at(-1);
    expect(audited).toMatchObject({ outcome: "failure", details: expect.objectContaining({ error: err.message }) });
    lab.createDisk("host1", guest.disk, guest.diskBytes / 1024 / 1024);
  });

  it("refuses unknown actions and malformed UUIDs before anything runs", async () => {
    expect(f.mod.vms.VmActionSchema.safeParse({ action: "undefine" }).success).toBe(false);
    expect(f.mod.vms.VmActionSchema.safeParse({ action: "start", extra: 1 }).success).toBe(false);
    await expect(f.mod.vms.vmActionRun(f.caller, host.id, `${guest.uuid};reboot`, "start")).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(
      f.mod.vms.vmActionRun(f.caller, host.id, "00000000-0000-4000-8000-000000000000", "start"),
    ).rejects.toMatchObject({
      code: "not_found",
    });
    expect(domstate(guest)).toBe("shut off");
  });

  it("wrote one audit event per action, with its outcome", async () => {
    const audit = (await f.auditActions("vm.")).filter((a) => a.targetId === `${host.id}/${guest.uuid}`);
    expect(audit.map((a) => [a.action, a.outcome])).toEqual(expectedAudit);
    expect(audit.every((a) => a.targetName === guest.name)).toBe(true);
    expect(expectedAudit.length).toBeGreaterThanOrEqual(20);
  });
});
