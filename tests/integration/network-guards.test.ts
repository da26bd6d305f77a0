// Guards around inactive and busy networks, on host 1's real libvirt with isolated networks (no
// address, no DHCP): creating a VM on an inactive network warns first; a NIC is never hot-added to a
// running VM on an inactive (or unknown) network, and nothing reaches its stored definition then; a
// network a running VM uses is not stopped unless forced, and the refusal names the VM.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FleetContext, HostView } from "./helpers/fleet-stack";
import { domstate, isolatedNetworkCreate, networkRemove, virshLocal, type TestPool } from "./helpers/provisioning-pool";
import { provisioningStackStart, type ProvisioningStack } from "./helpers/provisioning-stack";

const tag = randomBytes(2).toString("hex");
const PREFIX = `vdngrd${tag}-`;
const NET_ON = `${PREFIX}on`;
const NET_OFF = `${PREFIX}off`;

let f: FleetContext;
let host: HostView;
let pool: TestPool;
let stack: ProvisioningStack;
let create: typeof import("@/lib/provisioning/vm-create");
let edit: typeof import("@/lib/provisioning/vm-edit");
let nets: typeof import("@/lib/fleet/network-changes");
let c: typeof import("@/lib/contracts/provisioning");
let hwc: typeof import("@/lib/contracts/hardware");
let templateId: string;
let running: { uuid: string; name: string };

/** An AppError's code, status, first issue path and message (or what else was thrown). */
async function refusal(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    const e = err as { code?: string; message?: string; extra?: { issues?: { path: string }[]; data?: unknown } };
    return { code: e.code, path: e.extra?.issues?.[0]?.path, message: e.message ?? String(err), data: e.extra?.data };
  }
  throw new Error("expected a refusal");
}

beforeAll(async () => {
  isolatedNetworkCreate(NET_ON, `vdg${tag}a`);
  isolatedNetworkCreate(NET_OFF, `vdg${tag}b`);
  virshLocal("net-destroy", NET_OFF);
  stack = await provisioningStackStart(PREFIX);
  ({ pool, f, host } = stack);
  create = await import("@/lib/provisioning/vm-create");
  edit = await import("@/lib/provisioning/vm-edit");
  nets = await import("@/lib/fleet/network-changes");
  c = await import("@/lib/contracts/provisioning");
  hwc = await import("@/lib/contracts/hardware");
  const templates = await import("@/lib/templates/templates");
  templateId = (
    await templates.templateCreate(
      f.caller,
      c.TemplateInputSchema.parse({
        name: `${PREFIX}tpl`,
        vcpus: 1,
        memoryMiB: 64,
        maxMemoryMiB: 64,
        domainType: "qemu",
        disks: [{ sizeMiB: 32, format: "qcow2", bus: "virtio", pool: pool.name }],
        source: { kind: "image", pool: pool.name, volume: pool.baseVolume },
        nics: [{ kind: "network", source: NET_ON, model: "virtio", mac: "" }],
      }),
    )
  ).id;
}, 120_000);

afterAll(async () => {
  await stack?.close();
  networkRemove(NET_ON);
  networkRemove(NET_OFF);
});

const deploy = (name: string, extra: Record<string, unknown> = {}) =>
  create.vmCreate(
    f.caller,
    c.VmCreateSchema.parse({ mode: "template", hostId: host.id, templateId, name: `${PREFIX}${name}`, ...extra }),
  );

describe("networks a VM needs", () => {
  it("deploys on an active network and starts", async () => {
    const r = await deploy("run", { start: true });
    expect(r.warnings).toEqual([]);
    running = { uuid: r.vm!.uuid, name: r.vm!.name };
    expect(domstate(running.uuid)).toBe("running");
  }, 120_000);

  it("warns before creating a VM whose network is not active, and creates it once the warning is accepted", async () => {
    // A template whose NIC is on the stopped network.
    const templates = await import("@/lib/templates/templates");
    const offTpl = await templates.templateCreate(
      f.caller,
      c.TemplateInputSchema.parse({
        name: `${PREFIX}tpl-off`,
        vcpus: 1,
        memoryMiB: 64,
        maxMemoryMiB: 64,
        domainType: "qemu",
        nics: [{ kind: "network", source: NET_OFF, model: "virtio", mac: "" }],
      }),
    );
    const input = { mode: "template", hostId: host.id, templateId: offTpl.id, name: `${PREFIX}off`, start: false };
    const warned = await refusal(create.vmCreate(f.caller, c.VmCreateSchema.parse(input)));
    expect(warned).toMatchObject({ code: "conflict" });
    expect(warned.message).toContain(`The network ${NET_OFF}`);
    expect((warned.data as { warnings: { code: string }[] }).warnings.map((w) => w.code)).toEqual(["network"]);
    expect(virshLocal("list", "--all", "--name")).not.toContain(`${PREFIX}off`);
    const ok = await create.vmCreate(f.caller, c.VmCreateSchema.parse({ ...input, acceptWarnings: true }));
    expect(ok.vm?.name).toBe(`${PREFIX}off`);
    expect(domstate(ok.vm!.uuid)).toBe("shut off");
  }, 60_000);

  it("refuses to hot-add a NIC on an inactive or unknown network, before the stored definition changes", async () => {
    const before = virshLocal("dumpxml", "--inactive", running.uuid);
    for (const [source, text] of [
      [NET_OFF, "not active"],
      [`${PREFIX}none`, "has no network"],
    ] as const) {
      const r = await refusal(
        edit.vmHardwareEdit(
          f.caller,
          host.id,
          running.uuid,
          hwc.VmEditSchema.parse({ addNic: { kind: "network", source, model: "virtio", mac: "52:54:00:0e:d9:01" } }),
        ),
      );
      expect(r).toMatchObject({ code: "invalid_input", path: "addNic.source" });
      expect(r.message).toContain(text);
      expect(virshLocal("dumpxml", "--inactive", running.uuid)).toBe(before);
    }
    // On the active network it goes in, live and stored.
    await edit.vmHardwareEdit(
      f.caller,
      host.id,
      running.uuid,
      hwc.VmEditSchema.parse({
        addNic: { kind: "network", source: NET_ON, model: "virtio", mac: "52:54:00:0e:d9:02" },
      }),
    );
    expect(virshLocal("dumpxml", running.uuid)).toContain("52:54:00:0e:d9:02");
  }, 60_000);

  it("refuses to stop or delete a network a running VM uses, naming the VM; stops it when forced", async () => {
    const stop = await refusal(nets.networkAct(f.caller, host.id, NET_ON, { action: "stop" }));
    expect(stop).toMatchObject({ code: "conflict" });
    expect(stop.message).toContain(running.name);
    expect(stop.data).toMatchObject({ vms: [{ uuid: running.uuid, name: running.name }] });
    expect(virshLocal("net-info", NET_ON)).toMatch(/Active:\s+yes/);
    const del = await refusal(nets.networkDelete(f.caller, host.id, NET_ON));
    expect(del.message).toContain(running.name);
    const forced = await nets.networkAct(f.caller, host.id, NET_ON, { action: "stop", force: true });
    expect(forced.active).toBe(false);
    const audit = (await f.auditActions("network.stop")).find((a) => a.targetName === NET_ON);
    expect(audit?.details).toMatchObject({ force: true });
  }, 60_000);
});
