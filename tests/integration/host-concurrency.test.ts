// lib/hosts: what a host is busy with must not hold up other work on it. Reads go to an idle virsh
// session of the host (virsh-session-pool.ts), slow verbs such as destroy run on the host's slow-verb
// sessions (virsh-verbs.ts, host client `virshSlowTry`); and an action's change reaches an events subscriber once, although both the
// action and the host's event watcher see it (lib/fleet/events.ts eventsVmPublish). Asserted by
// order of completion and counts, never by absolute times. Real sshd + libvirtd (host1).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetSetup, stackEnv, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { domstate, GuestLab, virshAsync, type Guest } from "./helpers/fleet-guests";
import { EventRecorder } from "./helpers/fleet-events";

const stack = stackEnv();
const lab = new GuestLab("conc");
const rec = new EventRecorder();
let f: FleetContext;
let host: HostView;
let guest: Guest;
let unsubscribe: (() => void) | undefined;

beforeAll(async () => {
  f = await fleetSetup();
  host = await f.addHost(stack.host1);
  guest = lab.define("host1");
});

afterAll(async () => {
  unsubscribe?.();
  const problems = await lab.cleanup();
  await f?.teardown();
  expect(problems).toEqual([]);
});

const client = () => f.mod.runtime.hostClientFor(host, { commandErrorCode: "host_error" });
const list = { command: "list" as const, args: [{ flag: "--all" }, { flag: "--uuid" }] };

/** Settles each promise in `order` as it completes, so a test can assert which finished first. */
function finishOrder(named: Record<string, Promise<unknown>>): Promise<string[]> {
  const order: string[] = [];
  return Promise.all(Object.entries(named).map(([name, p]) => p.then(() => order.push(name)))).then(() => order);
}

describe("a busy host still answers", () => {
  it("a long read batch in flight does not hold up a list on the same host: it gets another session", async () => {
    const c = client();
    // Two batches at once open two sessions; both are idle afterwards.
    await Promise.all([c.virsh({ command: "uri" }), c.virsh({ command: "uri" })]);
    expect(f.mod.runtime.fleet().sessions.size(host.id, host.libvirtUri)).toBe(2);

    // Long enough (several seconds) to outlast a list on a loaded machine whose libvirt holds many domains.
    const long = c.virshTry(...Array.from({ length: 4000 }, () => ({ command: "uri" as const })));
    const quick = c.virsh(list);
    const order = await finishOrder({ long, quick });
    expect(order).toEqual(["quick", "long"]);
    expect((await quick)[0]).toContain(guest.uuid);
    expect((await long).every((r) => r.ok)).toBe(true);
    expect(f.mod.runtime.fleet().sessions.size(host.id, host.libvirtUri)).toBe(2);
  });

  it("destroys in flight do not hold up a list on the same host", async () => {
    const other = lab.define("host1");
    await Promise.all([virshAsync("host1", ["start", guest.uuid]), virshAsync("host1", ["start", other.uuid])]);
    const c = client();
    await c.virsh({ command: "uri" });
    const { domainLifecycleTry } = await import("@/lib/virt/domain");
    const destroy = (uuid: string) =>
      domainLifecycleTry({ host: c, uuid, verb: "destroy" }).then((r) => {
        expect(r).toMatchObject({ ok: true });
      });
    const order = await finishOrder({
      destroyA: destroy(guest.uuid),
      destroyB: destroy(other.uuid),
      list: c.virsh(list),
    });
    expect(order[0]).toBe("list");
    expect(domstate(guest)).toBe("shut off");
    expect(domstate(other)).toBe("shut off");
  });
});

describe("events of an action", () => {
  /** Changes the title with plain virsh and waits for its event: the watcher has handled everything before it. */
  async function watcherCaughtUp(label: string): Promise<void> {
    const title = `caught up ${label}`;
    const from = rec.mark().vm;
    await virshAsync("host1", ["desc", guest.uuid, "--title", title]); // --current: live while it runs
    await rec.waitVm(`title ${label}`, (e) => e.uuid === guest.uuid && e.vm?.title === title, from, 15_000);
  }

  it("start and destroy through virtdeck each reach a subscriber exactly once", async () => {
    unsubscribe = f.mod.events.eventsSubscribe(rec.onVm, rec.onHost);
    await rec.waitVm("catch-up", (e) => e.uuid === guest.uuid, 0, 15_000);
    // `virsh event` registers its callbacks a moment after its channel opens: retry the marker.
    for (let n = 0; ; n++) {
      const ok = await watcherCaughtUp(`warm ${n}`).then(
        () => true,
        () => false,
      );
      if (ok) break;
      if (n >= 5) throw new Error("the host1 watcher never delivered a metadata change");
    }

    for (const [action, state] of [
      ["start", "running"],
      ["destroy", "shutoff"],
    ] as const) {
      const from = rec.mark().vm;
      const vm = await f.mod.vms.vmActionRun(f.caller, host.id, guest.uuid, action);
      expect(vm.state).toBe(state);
      await watcherCaughtUp(action);
      // The marker's own event carries the state too: count the events before it.
      const seen = rec.vm
        .slice(from)
        .filter((r) => r.e.uuid === guest.uuid && r.e.vm?.state === state && r.e.vm.title !== `caught up ${action}`);
      expect(seen, `${action}: events carrying ${state}: ${JSON.stringify(seen.map((r) => r.e.vm))}`).toHaveLength(1);
    }
  });
});
