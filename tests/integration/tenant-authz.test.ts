// Tenant isolation against the real stack (real PostgreSQL, the two sshd test hosts, libvirtd):
// a host-scoped operator cannot re-point a host or use it as a port scanner, a libvirt URI that
// would run a program is refused in the API and again in the transport, tags (grant selectors)
// need user.manage globally, an API token's limit holds for task visibility, share-link delete
// checks the creator's effective access, host-scoped template.manage stays on its host, and a
// clone needs vm.create. Route handlers run in-process, as in access-control.test.ts.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetSetup, stackEnv, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { GuestLab, type Guest } from "./helpers/fleet-guests";
import { testDbKind } from "./helpers/test-database";
import { grantPost, noopTaskCreate, routeCall as api, whoCreate, type Who } from "./helpers/route-call";

let f: FleetContext;
const lab = new GuestLab("tenant");
let h1: HostView;
let h2: HostView;
let vmA: Guest; // host 1, shut off
let admin: Who;

const who = (username: string, role?: "admin" | "operator" | "helpdesk") => whoCreate(f, username, role);

async function grant(subject: Who, roleId: string, scope: Record<string, string>) {
  const r = await grantPost(admin, { subject: { kind: "user", id: subject.id }, roleId, scope });
  expect(r.status).toBe(201);
}

async function role(name: string, privileges: string[]): Promise<string> {
  const r = await api(admin, "POST", "roles", {}, { name: `${name}-${lab.tag}`, privileges });
  expect(r.status).toBe(201);
  return r.json.role.id;
}

const vmIds = (g: Guest, host: HostView) => ({ hostId: host.id, uuid: g.uuid });

beforeAll(async () => {
  f = await fleetSetup();
  h1 = await f.addHost(stackEnv().host1, { name: `tenant host 1 ${lab.tag}` });
  h2 = await f.addHost(stackEnv().host2, { name: `tenant host 2 ${lab.tag}` });
  vmA = lab.define("host1");
  await f.mod.inventory.inventoryGet(h1.id, { maxAgeMs: 0 });
  admin = await who(`ten-admin-${lab.tag}`, "admin");
}, 240_000);

afterAll(async () => {
  const problems = await lab.cleanup();
  await f?.teardown();
  expect(problems).toEqual([]);
});

describe(`tenant isolation on ${testDbKind()}`, () => {
  it("a host-scoped operator cannot change a host's address, port, user or URI, nor probe it; a global admin can, and the pin is reset and audited", async () => {
    // A record of its own (same sshd as host 2), so re-pointing it disturbs nothing else.
    const h = await f.addHost(stackEnv().host2, { name: `tenant re-point ${lab.tag}` });
    const oscar = await who(`oscar-${lab.tag}`);
    await grant(oscar, "operator", { kind: "host", hostId: h.id });
    const attempts = [
      await api(oscar, "PATCH", "hosts/[id]", { id: h.id }, { address: "127.0.0.1" }),
      await api(oscar, "PATCH", "hosts/[id]", { id: h.id }, { port: h.port + 1 }),
      await api(oscar, "PATCH", "hosts/[id]", { id: h.id }, { username: "root" }),
      await api(
        oscar,
        "PATCH",
        "hosts/[id]",
        { id: h.id },
        { libvirtUri: h.libvirtUri === "qemu:///system" ? "qemu:///session" : "qemu:///system" },
      ),
      await api(oscar, "POST", "hosts/[id]/test", { id: h.id }),
    ];
    expect(attempts.map((a) => a.status)).toEqual([403, 403, 403, 403, 403]);
    const db = f.mod.db.db();
    const stored = await db.host.findUniqueOrThrow({ where: { id: h.id } });
    expect({
      address: stored.address,
      port: stored.port,
      username: stored.username,
      libvirtUri: stored.libvirtUri,
    }).toEqual({
      address: h.address,
      port: h.port,
      username: h.username,
      libvirtUri: h.libvirtUri,
    });
    expect(stored.hostKeySha256).toBe(h.hostKeySha256);
    // The name is the host's own business; the unchanged endpoint fields the edit form sends along are fine.
    const renamed = await api(
      oscar,
      "PATCH",
      "hosts/[id]",
      { id: h.id },
      {
        name: `tenant renamed ${lab.tag}`,
        address: h.address,
        port: h.port,
        username: h.username,
        libvirtUri: h.libvirtUri,
      },
    );
    expect(renamed.status).toBe(200);
    expect(renamed.json.host.hostKeySha256).toBe(h.hostKeySha256);

    // A global host.manage admin moves it: the pinned key goes, the audit row holds old and new values.
    const moved = await api(admin, "PATCH", "hosts/[id]", { id: h.id }, { port: h.port + 1 });
    expect(moved.status).toBe(200);
    expect(moved.json.host.hostKeySha256).toBeNull();
    expect(moved.json.host.status).toBe("unverified");
    const update = (await f.auditActions("host.update")).filter((a) => a.targetId === h.id).at(-1)!;
    expect(update.details).toMatchObject({
      port: { from: h.port, to: h.port + 1 },
      keyReset: true,
      previousHostKey: h.hostKeySha256,
    });
    // A user change too resets the pin.
    await db.host.update({ where: { id: h.id }, data: { hostKeySha256: h.hostKeySha256 } });
    const user = await api(admin, "PATCH", "hosts/[id]", { id: h.id }, { username: "root" });
    expect(user.status).toBe(200);
    expect(user.json.host.hostKeySha256).toBeNull();
    const last = (await f.auditActions("host.update")).filter((a) => a.targetId === h.id).at(-1)!;
    expect(last.details).toMatchObject({ username: { from: h.username, to: "root" }, keyReset: true });
    // The admin may probe.
    expect((await api(admin, "POST", "hosts/[id]/test", { id: h.id })).status).toBe(200);
  });

  it("refuses a libvirt URI with a transport or a query: 422 naming libvirtUri, for admins too", async () => {
    const evil = "qemu+ext:///system?command=/bin/touch";
    const patch = await api(admin, "PATCH", "hosts/[id]", { id: h1.id }, { libvirtUri: evil });
    expect(patch.status).toBe(422);
    expect(patch.json.error.issues.map((i: { path: string }) => i.path)).toContain("libvirtUri");
    const create = await api(
      admin,
      "POST",
      "hosts",
      {},
      {
        name: `tenant evil ${lab.tag}`,
        address: "127.0.0.1",
        port: 22,
        username: "root",
        libvirtUri: "qemu+ssh://root@10.0.0.1/system",
        key: { kind: "generate" },
      },
    );
    expect(create.status).toBe(422);
    expect(create.json.error.issues.map((i: { path: string }) => i.path)).toContain("libvirtUri");
    expect((await f.mod.db.db().host.findUniqueOrThrow({ where: { id: h1.id } })).libvirtUri).toBe(h1.libvirtUri);
  });

  it("the transport refuses a bad libvirt URI already stored in the database: no command runs on the host", async () => {
    // A record written before the rule (or straight into the database): virtdeck must not run it.
    const marker = `/tmp/vd-tenant-${lab.tag}-ran`;
    const script = `/tmp/vd-tenant-${lab.tag}.sh`;
    rmSync(marker, { force: true });
    writeFileSync(script, `#!/bin/sh\ntouch ${marker}\nexit 1\n`);
    chmodSync(script, 0o755);
    try {
      const h = await f.addHost(stackEnv().host1, { name: `tenant stored uri ${lab.tag}` });
      await f.mod.db
        .db()
        .host.update({ where: { id: h.id }, data: { libvirtUri: `qemu+ext:///system?command=${script}` } });
      f.mod.runtime.fleetForget(h.id);
      await expect(f.mod.inventory.inventoryGet(h.id, { maxAgeMs: 0 })).rejects.toThrow();
      await f.mod.probe.hostProbe(f.caller, h.id);
      await f.mod.hostInfo.hostInfo(h.id).catch(() => {});
      expect(existsSync(marker)).toBe(false);
    } finally {
      rmSync(script, { force: true });
      rmSync(marker, { force: true });
    }
  });

  it("a user with vm.edit cannot tag a VM (403) and so gains nothing through a tag grant; a global user.manage admin can", async () => {
    const tag = `ops-${lab.tag}`.toLowerCase().slice(0, 40);
    const editor = await role("editor", ["vm.view", "vm.edit"]);
    const eve = await who(`eve-${lab.tag}`);
    await grant(eve, editor, { kind: "vm", hostId: h1.id, vmUuid: vmA.uuid });
    await grant(eve, "operator", { kind: "tag", tag });
    const r = await api(eve, "PUT", "vms/[hostId]/[uuid]/tags", vmIds(vmA, h1), { tags: [tag] });
    expect(r.status).toBe(403);
    expect((await api(admin, "GET", "vms/[hostId]/[uuid]/tags", vmIds(vmA, h1))).json.tags).toEqual([]);
    const { privilegesAt } = await import("@/lib/authz");
    const s = (await f.mod.session.sessionLookup(eve.token))!;
    const { principalFromSession } = await import("@/lib/authz/principal");
    const held = await privilegesAt(principalFromSession(s), { hostId: h1.id, vmUuid: vmA.uuid });
    expect([...held].sort()).toEqual(["vm.edit", "vm.view"]);
    // A host-scoped admin role is not global user.manage either.
    const hal = await who(`hal-${lab.tag}`);
    await grant(hal, "admin", { kind: "host", hostId: h1.id });
    expect((await api(hal, "PUT", "vms/[hostId]/[uuid]/tags", vmIds(vmA, h1), { tags: [tag] })).status).toBe(403);
    // The admin tags; then the tag grant applies, as designed.
    expect((await api(admin, "PUT", "vms/[hostId]/[uuid]/tags", vmIds(vmA, h1), { tags: [tag] })).status).toBe(200);
    expect((await privilegesAt(principalFromSession(s), { hostId: h1.id, vmUuid: vmA.uuid })).has("vm.power")).toBe(
      true,
    );
    expect((await api(admin, "PUT", "vms/[hostId]/[uuid]/tags", vmIds(vmA, h1), { tags: [] })).status).toBe(200);
  });

  it("an admin's vm.view-limited API token sees only the admin's own tasks and cannot cancel or read another user's", async () => {
    const db = f.mod.db.db();
    const olive = await who(`olive-${lab.tag}`, "operator");
    const theirs = await noopTaskCreate(f, olive, { title: "olive's task", status: "queued", cancellable: true });
    const mine = await noopTaskCreate(f, admin, { title: "admin's task", status: "succeeded" });
    const t = await api(
      admin,
      "POST",
      "tokens",
      {},
      { name: `view ${lab.tag}`, expiresInDays: 1, privileges: ["vm.view"] },
    );
    expect(t.status).toBe(201);
    const token = { bearer: t.json.token as string };
    const ids = ((await api(token, "GET", "tasks", {}, undefined, "?limit=200")).json.tasks as { id: string }[]).map(
      (x) => x.id,
    );
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(theirs.id);
    expect((await api(token, "GET", "tasks/[id]", { id: theirs.id })).status).toBe(404);
    expect((await api(token, "POST", "tasks/[id]/cancel", { id: theirs.id })).status).toBe(404);
    expect((await db.task.findUniqueOrThrow({ where: { id: theirs.id } })).status).toBe("queued");
    expect((await api(token, "GET", "tasks/[id]", { id: mine.id })).status).toBe(200);
    // The live stream filters the same way.
    const { taskSeesAll } = await import("@/lib/tasks/tasks");
    const { apiTokenAuthenticate } = await import("@/lib/auth/api-tokens");
    const principal = await apiTokenAuthenticate(token.bearer, "127.0.0.9");
    expect(await taskSeesAll(principal)).toBe(false);
    // The admin's session still sees and cancels everyone's.
    expect(
      ((await api(admin, "GET", "tasks", {}, undefined, "?limit=200")).json.tasks as { id: string }[]).map((x) => x.id),
    ).toContain(theirs.id);
    expect((await api(admin, "POST", "tasks/[id]/cancel", { id: theirs.id })).status).toBe(200);
  });

  it("a share link is deleted only by its creator while they still hold vm.console there (not through a vm.view token), or by user.manage; others get 404", async () => {
    const db = f.mod.db.db();
    const cora = await who(`cora-${lab.tag}`);
    const mallory = await who(`mallory-${lab.tag}`);
    await grant(cora, "helpdesk", { kind: "vm", hostId: h1.id, vmUuid: vmA.uuid });
    await grant(mallory, "helpdesk", { kind: "vm", hostId: h1.id, vmUuid: vmA.uuid });
    const link = () =>
      db.shareLink.create({
        data: {
          tokenHash: randomBytes(32).toString("hex"),
          hostId: h1.id,
          vmUuid: vmA.uuid,
          kind: "vnc",
          createdById: cora.id,
          createdBy: cora.username,
          expiresAt: new Date(Date.now() + 3600_000),
        },
      });
    const l1 = await link();
    expect((await api(mallory, "DELETE", "share-links/[id]", { id: l1.id })).status).toBe(404);
    const t = await api(
      cora,
      "POST",
      "tokens",
      {},
      { name: `view ${lab.tag}`, expiresInDays: 1, privileges: ["vm.view"] },
    );
    expect(t.status).toBe(201);
    expect((await api({ bearer: t.json.token }, "DELETE", "share-links/[id]", { id: l1.id })).status).toBe(404);
    expect((await db.shareLink.findUniqueOrThrow({ where: { id: l1.id } })).revokedAt).toBeNull();
    expect((await api(cora, "DELETE", "share-links/[id]", { id: l1.id })).status).toBe(200);
    // A creator who lost vm.console on the VM no longer reaches their links; an admin does.
    const l2 = await link();
    await db.grant.deleteMany({ where: { userId: cora.id } });
    expect((await api(cora, "DELETE", "share-links/[id]", { id: l2.id })).status).toBe(404);
    expect((await api(admin, "DELETE", "share-links/[id]", { id: l2.id })).status).toBe(200);
  });

  it("host-scoped template.manage creates and edits templates bound to its host only, never global ones", async () => {
    const tm = await role("tmpl", ["template.use", "template.manage", "host.view", "vm.view"]);
    const tina = await who(`tina-${lab.tag}`);
    await grant(tina, tm, { kind: "host", hostId: h1.id });
    const body = (name: string, defaultHostId: string | null) => ({
      name: `${name} ${lab.tag}`,
      vcpus: 1,
      memoryMiB: 64,
      maxMemoryMiB: 64,
      defaultHostId,
    });
    expect((await api(tina, "POST", "templates", {}, body("global", null))).status).toBe(403);
    expect((await api(tina, "POST", "templates", {}, body("elsewhere", h2.id))).status).toBe(404);
    const bound = await api(tina, "POST", "templates", {}, body("bound", h1.id));
    expect(bound.status).toBe(201);
    const id = bound.json.template.id as string;
    expect(bound.json.template.defaultHostId).toBe(h1.id);
    // Turning it global, or another host's: refused; editing it where it is: fine.
    expect((await api(tina, "PUT", "templates/[id]", { id }, body("bound", null))).status).toBe(403);
    expect((await api(tina, "PUT", "templates/[id]", { id }, { ...body("bound", h1.id), vcpus: 2 })).status).toBe(200);
    // A global record made by an admin is out of reach.
    const global = await api(admin, "POST", "templates", {}, body("admin global", null));
    expect(global.status).toBe(201);
    expect(
      (await api(tina, "PUT", "templates/[id]", { id: global.json.template.id }, body("admin global", h1.id))).status,
    ).toBe(403);
    expect((await api(tina, "POST", "templates/[id]/duplicate", { id: global.json.template.id })).status).toBe(403);
    expect((await api(tina, "DELETE", "templates/[id]", { id: global.json.template.id })).status).toBe(403);
    expect((await api(tina, "DELETE", "templates/[id]", { id })).status).toBe(204);
    expect((await api(admin, "DELETE", "templates/[id]", { id: global.json.template.id })).status).toBe(204);
  });

  it("a clone needs vm.create on the destination host besides vm.clone on the source", async () => {
    const cloner = await role("cloner", ["vm.view", "vm.clone"]);
    const carl = await who(`carl-${lab.tag}`);
    await grant(carl, cloner, { kind: "vm", hostId: h1.id, vmUuid: vmA.uuid });
    const name = `vdtest-tenant-clone-${lab.tag}`;
    const r = await api(carl, "POST", "vms/[hostId]/[uuid]/clone", vmIds(vmA, h1), { name });
    expect(r.status).toBe(403);
    expect(await f.mod.db.db().task.count({ where: { userId: carl.id } })).toBe(0);
    // With vm.create on the host the check passes (a name already taken then stops it: 409, nothing is copied).
    await grant(carl, "operator", { kind: "host", hostId: h1.id });
    expect((await api(carl, "POST", "vms/[hostId]/[uuid]/clone", vmIds(vmA, h1), { name: vmA.name })).status).toBe(409);
  });
});
