// A host whose libvirtd dies while SSH stays up: its own qemu:///session libvirtd (the unix user
// vdfault1, helpers/flibvirt-host.ts) behind a private sshd, killed with SIGKILL and restarted by
// this file. The stack's libvirtd and sshds are never touched.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetSetup, until, type FleetContext, type HostView } from "../integration/helpers/fleet-stack";
import { EventRecorder } from "../integration/helpers/fleet-events";
import { FlibvirtHost } from "./helpers/flibvirt-host";

const rec = new EventRecorder();
const domains = ["vdfault-a", "vdfault-b"];
let f: FleetContext;
let lab: FlibvirtHost;
let host: HostView;
let uuids: string[] = [];
let unsubscribe: (() => void) | undefined;

beforeAll(async () => {
  lab = await FlibvirtHost.start();
  uuids = domains.map((d) => lab.define(d));
  f = await fleetSetup();
  host = await f.addHost(lab.testHost(), { name: "flaky", port: lab.sshd.port });
});

afterAll(async () => {
  unsubscribe?.();
  try {
    await f?.teardown();
  } finally {
    if (lab) {
      await lab.stop(domains);
      // Nothing of the user's is left running: no libvirtd, no virsh, no shell.
      await until("the fault user's processes to end", () => lab.userProcesses().length === 0, { timeoutMs: 10_000 });
      lab.remove();
    }
  }
});

const listUuids = async () =>
  (await f.mod.inventory.inventoryGet(host.id, { maxAgeMs: 0 })).vms.map((v) => v.uuid).sort();
const statusOf = async () => (await f.mod.hosts.hostGet(host.id)).status;

describe(`libvirtd restarts under a live SSH connection, on ${process.env.VD_TEST_DB ?? "pglite"}`, () => {
  it("the first list after a restart returns the real VMs, on the same SSH connection", async () => {
    expect(await listUuids()).toEqual([...uuids].sort());
    const logins = lab.logins();
    await lab.libvirtdKill();
    await lab.libvirtdStart();
    // virsh on the session reconnects and says "Reconnected to the hypervisor": not a failure.
    expect(await listUuids()).toEqual([...uuids].sort());
    expect(lab.logins()).toBe(logins);
    expect(await statusOf()).toBe("online");
  });

  it("while libvirtd is down: one offline event, a clear error, and retries that back off", async () => {
    unsubscribe = f.mod.events.eventsSubscribe(rec.onVm, rec.onHost);
    await until("the watcher to run", () => f.mod.runtime.fleet().caches.has("events"), { timeoutMs: 5_000 });
    // Let the watcher open its event stream (its first probe and exec) before the fault.
    await until("the event stream exec", () => lab.execs().some((l) => l.includes("'event'")), { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 500));
    const from = rec.mark();
    const logins = lab.logins();
    await lab.libvirtdKill();
    const execsBefore = lab.execs().length;
    const attemptsBefore = f.mod.events.eventsWatcherAttempts(host.id);

    const offline = await rec.waitHost("the host offline", (e) => e.hostId === host.id, from.host, 5_000);
    // What the user sees on a list meanwhile: the host and libvirt's reason, not an empty fleet.
    const err = await f.mod.inventory.inventoryGet(host.id, { maxAgeMs: 0 }).catch((e) => e);
    await new Promise((r) => setTimeout(r, 8_000));
    const hostEvents = rec.host.slice(from.host).filter((r) => r.e.hostId === host.id);
    // One status change for the whole outage, not one per retry.
    expect(hostEvents.map((r) => r.e.status)).toEqual(["offline"]);
    expect(await statusOf()).toBe("offline");
    // Retries probe on the running virsh session: no SSH exec, no new connection, and a bounded pace.
    expect(lab.execs().length - execsBefore).toBeLessThanOrEqual(1);
    expect(lab.logins()).toBe(logins);
    const attempts = f.mod.events.eventsWatcherAttempts(host.id) - attemptsBefore;
    console.log(
      `[libvirtd-restart] down ~8.5 s: ${attempts} watcher retries, ${lab.execs().length - execsBefore} SSH execs, ${hostEvents.length} host event(s)`,
    );
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(attempts).toBeLessThanOrEqual(11);
    // The reason shown on the host: libvirt's, not "connection lost" (SSH never dropped).
    expect(offline.e.statusMessage).toMatch(
      /^flaky: libvirt is not answering: Failed to connect socket to '.*libvirt-sock': Connection refused$/,
    );
    expect((await f.mod.hosts.hostGet(host.id)).statusMessage).toBe(offline.e.statusMessage);
    expect(err).toMatchObject({ code: "host_error" });
    expect(err.message).toMatch(/^flaky: .*Failed to connect socket to '.*libvirt-sock': Connection refused/);
  });

  it("after the restart: online within a few seconds, and a VM change reaches the stream within ~2 s", async () => {
    const from = rec.mark();
    const logins = lab.logins();
    await lab.libvirtdStart();
    const restarted = performance.now();
    const online = await rec.waitHost("the host online", (e) => e.hostId === host.id, from.host, 5_000);
    expect(online.e).toMatchObject({ status: "online", statusMessage: "" });
    expect(online.at - restarted).toBeLessThan(3_000);
    expect(await statusOf()).toBe("online");

    const defined = performance.now();
    domains.push("vdfault-c");
    const uuid = lab.define("vdfault-c");
    const ev = await rec.waitVm("the new VM on the stream", (e) => e.uuid === uuid && e.vm !== null, from.vm, 5_000);
    console.log(
      `[libvirtd-restart] online ${(online.at - restarted).toFixed(0)} ms after the restart; new VM on the stream ${(ev.at - defined).toFixed(0)} ms after its define`,
    );
    expect(ev.at - defined).toBeLessThan(2_000);
    // Still the same SSH connection: status followed libvirt, not a reconnect.
    expect(lab.logins()).toBe(logins);
    expect(rec.host.slice(from.host).filter((r) => r.e.hostId === host.id)).toHaveLength(1);
  });
});
