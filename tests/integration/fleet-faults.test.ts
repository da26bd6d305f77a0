// A host whose sshd dies: a third, private sshd (helpers/fleet-sshd.ts) in front of host1's libvirt
// is killed with its connection children, mid-operation and under a live-events watcher, then
// restarted on the same port with the same host key. The stack's own sshds are never touched.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetSetup, stackEnv, until, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { dominfo, domstate, GuestLab, virshAsync, type Guest } from "./helpers/fleet-guests";
import { EventRecorder } from "./helpers/fleet-events";
import { PrivateSshd } from "./helpers/fleet-sshd";
import { VISIBILITY_ALL } from "@/lib/authz/effective";

const stack = stackEnv();
const lab = new GuestLab("faults");
const rec = new EventRecorder();
let f: FleetContext;
let sshd: PrivateSshd;
let host: HostView;
let guest: Guest;
let unsubscribe: (() => void) | undefined;

const UNREACHABLE = /host connection lost|Cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/;

beforeAll(async () => {
  f = await fleetSetup();
  sshd = await PrivateSshd.start();
  host = await f.addHost(
    { ...stack.host1, port: sshd.port },
    { name: "faulty", port: sshd.port, expectedHostKeySha256: sshd.hostKeySha256 },
  );
  guest = lab.define("host1");
});

afterAll(async () => {
  unsubscribe?.();
  try {
    await f?.teardown();
  } finally {
    if (sshd) {
      await sshd.kill().catch(() => {});
      sshd.remove();
    }
    expect(await lab.cleanup()).toEqual([]);
  }
});

async function stateOf(): Promise<HostView> {
  return f.mod.hosts.hostGet(host.id);
}

describe(`host faults on ${process.env.VD_TEST_DB ?? "pglite"}`, () => {
  it("answers through the private sshd", async () => {
    expect(host.hostKeySha256).toBe(sshd.hostKeySha256);
    expect(host.hostKeySha256).not.toBe(stack.host1.hostKeySha256);
    const inv = await f.mod.inventory.inventoryGet(host.id, { maxAgeMs: 0 });
    expect(inv.vms.find((v) => v.uuid === guest.uuid)).toMatchObject({ name: guest.name, state: "shutoff" });
    expect(f.mod.runtime.fleet().pool.hostIds()).toContain(host.id);
    // The pooled connection really goes through this sshd: its process tree holds our session.
    expect(sshd.processTree().length).toBeGreaterThan(1);
  });

  it("an operation in flight when sshd dies fails with host_unreachable, and so does the next one", async () => {
    // Freeze sshd so the request is surely on the wire and unanswered, then kill it.
    sshd.signal("SIGSTOP");
    let settled = false;
    const inflight = f.mod.inventory
      .inventoryGet(host.id, { maxAgeMs: 0 })
      .then(
        () => null,
        (e) => e,
      )
      .finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false);
    await sshd.kill();
    const err = await inflight;
    expect(err).toMatchObject({ code: "host_unreachable", message: "faulty: host connection lost" });

    const next = await f.mod.inventory.inventoryGet(host.id, { maxAgeMs: 0 }).catch((e) => e);
    expect(next).toMatchObject({ code: "host_unreachable" });
    expect(next.message).toBe(`faulty: Cannot reach 127.0.0.1:${sshd.port} (ECONNREFUSED)`);
    const action = await f.mod.vms.vmActionRun(f.caller, host.id, guest.uuid, "start").catch((e) => e);
    expect(action).toMatchObject({ code: "host_unreachable" });
    expect(action.message).toMatch(UNREACHABLE);
    await expect(f.mod.hostInfo.hostInfo(host.id)).rejects.toMatchObject({ code: "host_unreachable" });
    expect(domstate(guest)).toBe("shut off"); // nothing ran

    const row = await stateOf();
    expect(row.status).toBe("offline");
    expect(row.statusMessage).toBe(`faulty: Cannot reach 127.0.0.1:${sshd.port} (ECONNREFUSED)`);
    // The fleet list serves an inventory up to 1 s old (even after a failed refresh), then says why beside the VMs it last read.
    const page = await until(
      "the fleet list to show the host's error",
      async () => {
        const p = await f.mod.vms.fleetVms(f.mod.vms.FleetQuerySchema.parse({}), VISIBILITY_ALL);
        return p.hosts[0]?.error ? p : undefined;
      },
      { timeoutMs: 3_000, intervalMs: 200 },
    );
    expect(page.hosts).toEqual([
      { id: host.id, name: "faulty", status: "offline", error: expect.stringMatching(UNREACHABLE) },
    ]);
    // Said once: the entry names the host, its error does not repeat the name.
    expect(page.hosts[0]!.error).not.toMatch(/^faulty: /);
    // The host's VMs stay listed as last read, with nothing to do on them and no live figures.
    expect(page.vms.find((v) => v.uuid === guest.uuid)).toMatchObject({ name: guest.name, state: "shutoff" });
    expect(page.vms.every((v) => v.hostId === host.id && v.allowedActions.length === 0)).toBe(true);
    expect(page.vms.every((v) => v.cpuPercent === null && v.uptimeSeconds === null)).toBe(true);
    // A failed connect is not cached: the pool holds nothing for the host.
    expect(f.mod.runtime.fleet().pool.hostIds()).not.toContain(host.id);
  });

  it("records the host as offline as soon as a request sees the connection drop", async () => {
    await sshd.launch();
    await f.mod.inventory.inventoryGet(host.id, { maxAgeMs: 0 });
    expect((await stateOf()).status).toBe("online");
    sshd.signal("SIGSTOP");
    const inflight = f.mod.inventory.inventoryGet(host.id, { maxAgeMs: 0 }).catch((e) => e);
    await new Promise((r) => setTimeout(r, 300));
    await sshd.kill();
    expect(await inflight).toMatchObject({ code: "host_unreachable", message: "faulty: host connection lost" });
    const row = await stateOf();
    expect(row).toMatchObject({ status: "offline", statusMessage: "faulty: host connection lost" });
  });

  it("recovers once sshd is back on the same port with the same host key", async () => {
    await sshd.launch();
    const before = Date.now();
    const inv = await f.mod.inventory.inventoryGet(host.id, { maxAgeMs: 0 });
    expect(inv.vms.map((v) => v.uuid)).toContain(guest.uuid);
    const row = await stateOf();
    expect(row).toMatchObject({ status: "online", statusMessage: "", hostKeySha256: sshd.hostKeySha256 });
    expect(Date.parse(row.lastSeenAt!)).toBeGreaterThanOrEqual(before - 1_000);
    // Actions run again (a cheap one: autostart).
    expect((await f.mod.vms.vmActionRun(f.caller, host.id, guest.uuid, "autostart-on")).autostart).toBe(true);
    expect(dominfo(guest).Autostart).toBe("enable");
    expect((await f.mod.vms.vmActionRun(f.caller, host.id, guest.uuid, "autostart-off")).autostart).toBe(false);
    expect(dominfo(guest).Autostart).toBe("disable");
  });

  it("events: the watcher reports the host offline, reconnects with backoff, and delivers again", async () => {
    unsubscribe = f.mod.events.eventsSubscribe(rec.onVm, rec.onHost);
    await rec.waitVm("the catch-up event", (e) => e.uuid === guest.uuid);
    await warmUp("before");

    const mark = rec.mark().host;
    const killedAt = performance.now();
    await sshd.kill();
    // The watcher's stream closes with the connection: it marks the host offline at once.
    const lost = await rec.waitHost(
      "host offline",
      (e) => e.hostId === host.id && e.statusMessage === "host connection lost",
      mark,
    );
    expect(lost.e.status).toBe("offline");
    expect(lost.at - killedAt).toBeLessThan(2_000);
    // Its first reconnect attempt comes about 1 s later and fails: sshd is still down. (A refresh
    // that was under way when sshd died may fail within milliseconds too; that is not a retry.)
    const retry1 = await rec.waitHost(
      "a failed reconnect",
      (e, at) => e.hostId === host.id && /ECONNREFUSED/.test(e.statusMessage) && at - lost.at >= 500,
      mark,
      5_000,
    );
    expect(retry1.e.status).toBe("offline");
    expect((await stateOf()).status).toBe("offline");

    await sshd.launch();
    const online = await rec.waitHost(
      "host online again",
      (e) => e.hostId === host.id && e.status === "online",
      rec.mark().host,
      10_000,
    );
    // Backoff: 1 s before the first attempt, 2 s before the next one.
    const firstGap = retry1.at - lost.at;
    const secondGap = online.at - retry1.at;
    console.log(
      `[fleet-faults] reconnect attempts: +${firstGap.toFixed(0)} ms (failed), then +${secondGap.toFixed(0)} ms (online)`,
    );
    expect(firstGap).toBeGreaterThanOrEqual(900);
    expect(firstGap).toBeLessThan(2_500);
    expect(secondGap).toBeGreaterThanOrEqual(1_800);
    expect((await stateOf()).status).toBe("online");

    await warmUp("after");
    const from = rec.mark().vm;
    await virshAsync("host1", ["start", guest.uuid]);
    const done = performance.now();
    const hit = await rec.waitVm(
      "the start after reconnecting",
      (e) => e.uuid === guest.uuid && e.vm?.state === "running",
      from,
      5_000,
    );
    expect(hit.e.hostId).toBe(host.id);
    console.log(
      `[fleet-faults] start after reconnecting delivered ${(hit.at - done).toFixed(0)} ms after virsh returned`,
    );
  });
});

/** Changes the guest's title until the watcher delivers it: proves `virsh event` is listening. */
async function warmUp(label: string): Promise<void> {
  let n = 0;
  await until(
    `the watcher to deliver a title change (${label})`,
    async () => {
      const title = `${label} ${++n}`;
      const from = rec.mark().vm;
      await virshAsync("host1", ["desc", guest.uuid, "--config", "--title", title]);
      return rec
        .waitVm("title", (e) => e.uuid === guest.uuid && e.vm?.title === title, from, 1_000)
        .then(
          () => true,
          () => false,
        );
    },
    { timeoutMs: 15_000, intervalMs: 0 },
  );
}
