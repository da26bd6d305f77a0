// lib/fleet/events.ts: live VM events from `virsh event` on each host, for changes made OUTSIDE
// virtdeck with plain virsh, on host1 (qemu:///system) and host2 (vdhost2's qemu:///session).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetSetup, stackEnv, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { GuestLab, virshAsync, type Guest, type HostKey } from "./helpers/fleet-guests";
import { EventRecorder } from "./helpers/fleet-events";

const stack = stackEnv();
const lab = new GuestLab("ev");
const rec = new EventRecorder();
const LIMIT_MS = 2_000;
let f: FleetContext;
let h: Record<HostKey, HostView>;
let g: Record<HostKey, Guest>;
let unsubscribe: (() => void) | undefined;

beforeAll(async () => {
  f = await fleetSetup();
  h = { host1: await f.addHost(stack.host1), host2: await f.addHost(stack.host2) };
  g = { host1: lab.define("host1"), host2: lab.define("host2") };
});

afterAll(async () => {
  unsubscribe?.();
  try {
    await f?.teardown();
  } finally {
    expect(await lab.cleanup()).toEqual([]);
  }
});

/**
 * Runs a change with plain virsh and waits for the matching vm event. Returns how long after the
 * change completed (virsh returned) the event arrived, and how long after it was issued.
 */
async function timed(
  key: HostKey,
  args: string[],
  pred: (e: import("@/lib/fleet/events").VmEvent) => boolean,
  what: string,
) {
  const from = rec.mark().vm;
  const issued = performance.now();
  const waiting = rec.waitVm(what, pred, from, 10_000);
  await virshAsync(key, args);
  const done = performance.now();
  const hit = await waiting;
  const afterDone = Math.max(0, hit.at - done);
  const afterIssue = hit.at - issued;
  console.log(
    `[fleet-events] ${key} ${what}: ${afterDone.toFixed(0)} ms after virsh returned (${afterIssue.toFixed(0)} ms after it was issued)`,
  );
  return { event: hit.e, afterDone, afterIssue };
}

describe(`live events on ${process.env.VD_TEST_DB ?? "pglite"}`, () => {
  it("subscribing starts a watcher per host that first publishes the current state", async () => {
    unsubscribe = f.mod.events.eventsSubscribe(rec.onVm, rec.onHost);
    for (const key of ["host1", "host2"] as const) {
      const { e } = await rec.waitVm(`catch-up for ${key}`, (e) => e.uuid === g[key].uuid);
      expect(e).toMatchObject({ hostId: h[key].id, uuid: g[key].uuid, vm: { name: g[key].name, state: "shutoff" } });
    }
    // `virsh event` registers its callbacks a moment after its channel opens: change something
    // harmless (the title) until an event for it arrives, so later timings measure delivery only.
    for (const key of ["host1", "host2"] as const) {
      let n = 0;
      const deadline = Date.now() + 15_000;
      for (;;) {
        const title = `warm ${++n}`;
        const from = rec.mark().vm;
        await virshAsync(key, ["desc", g[key].uuid, "--config", "--title", title]);
        const hit = await rec
          .waitVm(`title change on ${key}`, (e) => e.uuid === g[key].uuid && e.vm?.title === title, from, 1_000)
          .catch(() => null);
        if (hit) break;
        if (Date.now() > deadline) throw new Error(`the ${key} watcher never delivered a metadata change`);
      }
    }
  });

  it.each(["host1", "host2"] as const)(
    "virsh start / destroy outside virtdeck reach subscribers within 2 s (%s)",
    async (key) => {
      const guest = g[key];
      const started = await timed(
        key,
        ["start", guest.uuid],
        (e) => e.uuid === guest.uuid && e.vm?.state === "running",
        "start",
      );
      expect(started.event).toMatchObject({ hostId: h[key].id, vm: { name: guest.name, state: "running" } });
      expect(started.afterDone).toBeLessThan(LIMIT_MS);

      const stopped = await timed(
        key,
        ["destroy", guest.uuid],
        (e) => e.uuid === guest.uuid && e.vm?.state === "shutoff",
        "destroy",
      );
      expect(stopped.event.vm!.allowedActions).toContain("start");
      expect(stopped.afterDone).toBeLessThan(LIMIT_MS);
    },
  );

  it("a guest defined outside appears, and undefining it publishes vm: null", async () => {
    // Quotes and "': " in the name: `virsh event` prints it between single quotes.
    const name = `vdtest-fleet-ev-${lab.tag} 'x': y "q" $(true) <&>`;
    const from = rec.mark().vm;
    const issued = performance.now();
    const guest = lab.define("host1", { name });
    const defined = await rec.waitVm("the new guest", (e) => e.uuid === guest.uuid, from, 10_000);
    console.log(`[fleet-events] host1 define: ${(defined.at - issued).toFixed(0)} ms after it was issued`);
    expect(defined.e).toMatchObject({ hostId: h.host1.id, vm: { name, state: "shutoff" } });
    expect(defined.at - issued).toBeLessThan(LIMIT_MS + 1_000); // includes qemu-img and virsh define

    const gone = await timed(
      "host1",
      ["undefine", guest.uuid],
      (e) => e.uuid === guest.uuid && e.vm === null,
      "undefine",
    );
    expect(gone.event).toEqual({ hostId: h.host1.id, uuid: guest.uuid, vm: null });
    expect(gone.afterDone).toBeLessThan(LIMIT_MS);
    lab.forget(guest);
  });

  it("publishes each change once: no duplicate events for an unchanged VM", async () => {
    const guest = g.host1;
    const from = rec.mark().vm;
    await timed(
      "host1",
      ["desc", guest.uuid, "--config", "--title", "once"],
      (e) => e.uuid === guest.uuid && e.vm?.title === "once",
      "title",
    );
    // A second refresh of the same host (another event) must not repeat it.
    await timed(
      "host1",
      ["desc", guest.uuid, "--config", "--title", "twice"],
      (e) => e.uuid === guest.uuid && e.vm?.title === "twice",
      "title",
    );
    const forGuest = rec.vm
      .slice(from)
      .filter((r) => r.e.uuid === guest.uuid)
      .map((r) => r.e.vm?.title);
    expect(forGuest).toEqual(["once", "twice"]);
  });

  it("test connection on a healthy watched host does not mark it offline", async () => {
    const mark = rec.mark().host;
    const { steps, host } = await f.mod.probe.hostProbe(f.caller, h.host1.id);
    expect(steps.every((s) => s.ok)).toBe(true);
    expect(host.status).toBe("online");
    const flap = await rec
      .waitHost("offline", (e) => e.hostId === h.host1.id && e.status === "offline", mark, 1_500)
      .catch(() => null);
    expect(flap?.e ?? null).toBeNull();
    expect((await f.mod.hosts.hostGet(h.host1.id)).status).toBe("online");
  });
});
