// lib/fleet + lib/hosts: what libvirt itself holds on a host must not hold up the rest. libvirt keeps a
// domain locked while it destroys it until QEMU has exited, and every whole-host list (`list --all`,
// `domstats`) waits for that lock; a domain whose job waits on its QEMU makes `domstats` wait for the
// job. Such holds are made deterministic here by stopping a guest's QEMU (SIGSTOP): a destroy then
// holds its lock until libvirt's SIGKILL (~10 s), a suspend holds the job until QEMU runs again. The
// tests assert what finishes first and what ran where, never how long anything took. The holding
// destroy goes through virtdeck, as an action's does: a list answers from the last read only while
// this process has a slow verb running on the host. Real sshd +
// libvirtd (host1, qemu:///system on this machine: the QEMU processes are local).
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { VISIBILITY_ALL } from "@/lib/authz/effective";
import { fleetSetup, stackEnv, until, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { domstate, GuestLab, virshAsync, virshSync, type Guest } from "./helpers/fleet-guests";

const stack = stackEnv();
const lab = new GuestLab("busy");
let f: FleetContext;
let host: HostView;
/** QEMU processes stopped by a test: continued in afterEach whatever happened. */
const stopped = new Set<number>();

beforeAll(async () => {
  f = await fleetSetup();
  host = await f.addHost(stack.host1);
});

afterEach(() => {
  for (const pid of stopped) qemuContinue(pid);
  stopped.clear();
});

afterAll(async () => {
  const problems = await lab.cleanup();
  await f?.teardown();
  expect(problems).toEqual([]);
});

/** Settles each promise in `order` as it completes, so a test can assert which finished first. */
function finishOrder(named: Record<string, Promise<unknown>>): Promise<string[]> {
  const order: string[] = [];
  return Promise.all(
    Object.entries(named).map(([name, p]) =>
      p.then(
        () => order.push(name),
        () => order.push(`${name} (failed)`),
      ),
    ),
  ).then(() => order);
}

/** A running guest of host1. */
function started(): { guest: Guest; pid: number } {
  const guest = lab.define("host1");
  virshSync("host1", ["start", guest.uuid]);
  return { guest, pid: Number(readFileSync(`/run/libvirt/qemu/${guest.name}.pid`, "utf8").trim()) };
}

/**
 * Stops a guest's QEMU (SIGSTOP; continued after the test). From then on a whole-host `domstats`
 * that takes the guest's job waits for it: read the inventory before.
 */
function qemuStop(pid: number): void {
  stopped.add(pid);
  process.kill(pid, "SIGSTOP");
}

/** Lets a stopped QEMU run again (it may be gone already: libvirt's SIGKILL ended it). */
function qemuContinue(pid: number): void {
  try {
    process.kill(pid, "SIGCONT");
  } catch {
    // gone
  }
}

/** libvirt sent SIGTERM to the stopped QEMU: it is inside the destroy, holding the domain's lock. */
function sigtermPending(pid: number): boolean {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const pending = ["SigPnd", "ShdPnd"].map((k) =>
    BigInt(`0x${new RegExp(`^${k}:\\s*([0-9a-f]+)`, "m").exec(status)![1]}`),
  );
  return pending.some((mask) => (mask & (1n << 14n)) !== 0n);
}

/** libvirt wrote a command to the stopped QEMU's monitor that QEMU has not read: a job waits on it. */
function monitorCommandPending(pid: number): boolean {
  const out = execFileSync("ss", ["-x", "-p", "-H"], { encoding: "utf8" });
  return out
    .split("\n")
    .filter((l) => l.includes(`pid=${pid},`))
    .some((l) => Number(l.trim().split(/\s+/)[2]) > 0);
}

const client = () => f.mod.runtime.hostClientFor(host, { commandErrorCode: "host_error" });

/** A destroy as an action runs it: the slow verb on the host's slow-verb sessions. */
async function destroyThroughVirtdeck(g: Guest): Promise<void> {
  const { domainLifecycleTry } = await import("@/lib/virt/domain");
  const r = await domainLifecycleTry({ host: client(), uuid: g.uuid, verb: "destroy" });
  if (!r.ok) throw new Error(`destroy ${g.name}: ${r.stderr}`);
}

describe("libvirt busy with one guest", () => {
  it("a fleet list answers from the last read while libvirt holds the host's list (a destroy waiting on QEMU)", async () => {
    const { guest, pid } = started();
    await f.mod.inventory.inventoryGet(host.id, { maxAgeMs: 0 });
    const page0 = await f.mod.vms.fleetVms(f.mod.vms.FleetQuerySchema.parse({ q: guest.uuid }), VISIBILITY_ALL);
    expect(
      page0.vms.map((v) => v.state),
      JSON.stringify(page0.hosts),
    ).toEqual(["running"]);
    qemuStop(pid);

    const destroy = destroyThroughVirtdeck(guest);
    await until("libvirt is inside the destroy", () => sigtermPending(pid), { timeoutMs: 15_000 });
    f.mod.inventory.inventoryInvalidate(host.id, "*"); // no fresh inventory to serve: the list must read the host
    const list = f.mod.vms.fleetVms(f.mod.vms.FleetQuerySchema.parse({ q: guest.uuid }), VISIBILITY_ALL);
    // QEMU runs again once the list answered (it then handles the SIGTERM); unanswered, libvirt's
    // SIGKILL ends the destroy after ~10 s and the list only then.
    const order = await finishOrder({ list: list.finally(() => qemuContinue(pid)), destroy });
    expect(order).toEqual(["list", "destroy"]);
    expect((await list).vms.map((v) => v.state)).toEqual(["running"]); // the last read, as it was
    expect(domstate(guest)).toBe("shut off");
  });

  it("with libvirt's events watched, a fleet list answers from the last read while a destroy made outside virtdeck holds the host's list", async () => {
    const { guest, pid } = started();
    const unsubscribe = f.mod.events.eventsSubscribe(
      () => {},
      () => {},
    );
    try {
      await until("the host's event stream is live", () => f.mod.events.eventsLive(host.id), { timeoutMs: 30_000 });
      await f.mod.inventory.inventoryGet(host.id, { maxAgeMs: 0 });
      qemuStop(pid);
      // Plain virsh on the host: no slow verb of this process runs there.
      const destroy = virshAsync("host1", ["destroy", guest.uuid]);
      await until("libvirt is inside the destroy", () => sigtermPending(pid), { timeoutMs: 15_000 });
      f.mod.inventory.inventoryInvalidate(host.id, "*");
      const list = f.mod.vms.fleetVms(f.mod.vms.FleetQuerySchema.parse({ q: guest.uuid }), VISIBILITY_ALL);
      const order = await finishOrder({ list: list.finally(() => qemuContinue(pid)), destroy });
      expect(order).toEqual(["list", "destroy"]);
      expect((await list).vms.map((v) => v.state)).toEqual(["running"]); // the last read; the event brings the rest
      expect(domstate(guest)).toBe("shut off");
      // The destroy's event re-reads the host: the next list shows it.
      await until(
        "the list shows the destroy",
        async () =>
          (await f.mod.vms.fleetVms(f.mod.vms.FleetQuerySchema.parse({ q: guest.uuid }), VISIBILITY_ALL)).vms[0]
            ?.state === "shutoff",
        { timeoutMs: 15_000 },
      );
    } finally {
      unsubscribe();
      f.mod.events.eventsUnwatch(host.id);
    }
  });

  it("without libvirt's events, a fleet list waits for the re-read while a destroy made outside virtdeck holds the host's list", async () => {
    const { guest, pid } = started();
    await f.mod.inventory.inventoryGet(host.id, { maxAgeMs: 0 });
    expect(f.mod.events.eventsLive(host.id)).toBe(false);
    qemuStop(pid);
    const destroy = virshAsync("host1", ["destroy", guest.uuid]);
    await until("libvirt is inside the destroy", () => sigtermPending(pid), { timeoutMs: 15_000 });
    f.mod.inventory.inventoryInvalidate(host.id, "*");
    const list = f.mod.vms.fleetVms(f.mod.vms.FleetQuerySchema.parse({ q: guest.uuid }), VISIBILITY_ALL);
    // Unanswered, libvirt's SIGKILL ends the destroy after ~10 s; the list answers after it, with the truth.
    const order = await finishOrder({ list, destroy });
    expect(order).toEqual(["destroy", "list"]);
    expect((await list).vms.map((v) => v.state)).toEqual(["shutoff"]);
  });

  it("an action on one guest answers while libvirt holds another guest of the host", async () => {
    const { guest: held, pid } = started();
    const other = lab.define("host1");
    await f.mod.inventory.inventoryGet(host.id, { maxAgeMs: 0 });
    qemuStop(pid);

    const destroyHeld = destroyThroughVirtdeck(held);
    await until("libvirt is inside the destroy", () => sigtermPending(pid), { timeoutMs: 15_000 });
    const start = f.mod.vms.vmActionRun(f.caller, host.id, other.uuid, "start");
    const order = await finishOrder({ start: start.finally(() => qemuContinue(pid)), destroyHeld });
    const vm = await start;
    expect(order).toEqual(["start", "destroyHeld"]);
    expect(vm).toMatchObject({ uuid: other.uuid, state: "running" });
    expect(vm.allowedActions).toContain("destroy");
    expect(domstate(other)).toBe("running");
    const audit = await f.auditActions("vm.start");
    expect(audit.filter((a) => a.targetId === `${host.id}/${other.uuid}`).map((a) => a.outcome)).toEqual(["success"]);
    // The answer went into the inventory: the next list shows the guest running.
    const page = await f.mod.vms.fleetVms(f.mod.vms.FleetQuerySchema.parse({ q: other.uuid }), VISIBILITY_ALL);
    expect(page.vms.map((v) => v.state)).toEqual(["running"]);
    virshSync("host1", ["destroy", other.uuid]);
  });

  it("the inventory read does not wait for a guest's job (a suspend waiting on QEMU)", async () => {
    const { guest, pid } = started();
    qemuStop(pid);
    const suspend = virshAsync("host1", ["suspend", guest.uuid]);
    await until("the suspend waits on QEMU's monitor", () => monitorCommandPending(pid), { timeoutMs: 15_000 });
    // A reader that waits for the job as long as libvirt lets it (then gives up on those stats):
    // started first, so a read that waited for the job too could only finish after it.
    const waiter = virshAsync("host1", ["domstats", "--vcpu", guest.uuid]).then(
      () => "waiter",
      () => "waiter",
    );
    await new Promise((r) => setTimeout(r, 1_000)); // the waiter's head start (its own virsh connects)
    const { domainInventoryRead } = await import("@/lib/virt/domain");
    const read = domainInventoryRead({ host: client() });
    const first = await Promise.race([read.then(() => "read"), waiter]);
    qemuContinue(pid);
    expect(first).toBe("read");
    expect((await read).all).toContain(guest.uuid);
    await Promise.all([suspend, waiter]);
    expect(domstate(guest)).toBe("paused");
    virshSync("host1", ["destroy", guest.uuid]);
  });
});

describe("slow verbs", () => {
  it("run on the host's slow-verb sessions, one line each on a running virsh, not an exec each", async () => {
    const a = lab.define("host1");
    const b = lab.define("host1");
    const c = client();
    const { domainLifecycleTry } = await import("@/lib/virt/domain");
    const sessions = f.mod.runtime.fleet().slowSessions;
    for (const g of [a, b])
      expect(await domainLifecycleTry({ host: c, uuid: g.uuid, verb: "start" })).toMatchObject({ ok: true });
    // Two at once: two sessions; the next ones reuse them.
    const both = await Promise.all([a, b].map((g) => domainLifecycleTry({ host: c, uuid: g.uuid, verb: "destroy" })));
    expect(both.map((r) => r.ok)).toEqual([true, true]);
    const open = sessions.size(host.id, host.libvirtUri);
    expect(open).toBeGreaterThanOrEqual(1);
    expect(open).toBeLessThanOrEqual(2);
    expect(await domainLifecycleTry({ host: c, uuid: a.uuid, verb: "start" })).toMatchObject({ ok: true });
    expect(await domainLifecycleTry({ host: c, uuid: a.uuid, verb: "destroy" })).toMatchObject({ ok: true });
    expect(sessions.size(host.id, host.libvirtUri)).toBe(open);
    expect(domstate(a)).toBe("shut off");
    expect(domstate(b)).toBe("shut off");
    // virsh's own refusal comes back as a result, not a thrown error.
    const r = await domainLifecycleTry({ host: c, uuid: a.uuid, verb: "destroy" });
    expect(r.ok).toBe(false);
    expect(r.stderr).toMatch(/not running/i);
  });
});
