// Access control against the real stack: what a user sees (fleet list, search, counts, hosts,
// live events) follows their grants, computed in SQL; escalation attempts and IDOR are refused;
// revoking a grant or a group membership closes an open console within 2 s; the last-admin guard
// counts admins through groups. Route handlers are called in-process against the real database and
// the two real test hosts.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { NextRequest } from "next/server";
import { fleetSetup, stackEnv, until, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { GuestLab, virshSync, type Guest } from "./helpers/fleet-guests";
import { testDbKind } from "./helpers/test-database";
import { grantPost, noopTaskCreate, routeCall as api, whoCreate, type Who } from "./helpers/route-call";

const ROOT = path.resolve(import.meta.dirname, "../..");
type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

let f: FleetContext;
const lab = new GuestLab("access");
let h1: HostView;
let h2: HostView;
let vmA: Guest; // host 1, granted to Hana directly (helpdesk)
let vmB: Guest; // host 1, tagged "web"; the "web-team" group holds helpdesk on tag web
let vmD: Guest; // host 1, nobody but admins
let vmC: Guest; // host 2, Hana's group holds viewer on host 2
let admin: Who;
let hana: Who;
let other: Who;
let webTeam: string;
let server: Server;
let port: number;

const who = (username: string, role?: "admin" | "operator" | "helpdesk") => whoCreate(f, username, role);

/** Hana's direct grant: helpdesk on vmA. */
const hanaOnVmA = () => ({
  subject: { kind: "user" as const, id: hana.id },
  roleId: "helpdesk",
  scope: { kind: "vm", hostId: h1.id, vmUuid: vmA.uuid },
});

const vmIds = (g: Guest, host: HostView) => ({ hostId: host.id, uuid: g.uuid });

async function listed(as: Who, query = ""): Promise<{ names: string[]; total: number }> {
  const r = await api(as, "GET", "vms", {}, undefined, query);
  expect(r.status).toBe(200);
  return {
    names: (r.json.vms as { name: string }[])
      .map((v) => v.name)
      .filter((n) => n.includes(lab.tag))
      .sort(),
    total: r.json.total,
  };
}

beforeAll(async () => {
  f = await fleetSetup();
  h1 = await f.addHost(stackEnv().host1, { name: `access host 1 ${lab.tag}` });
  h2 = await f.addHost(stackEnv().host2, { name: `access host 2 ${lab.tag}` });
  vmA = lab.define("host1");
  vmB = lab.define("host1");
  vmD = lab.define("host1");
  vmC = lab.define("host2");
  for (const g of [vmA, vmB, vmD]) virshSync("host1", ["start", g.uuid]);
  virshSync("host2", ["start", vmC.uuid]);
  await f.mod.inventory.inventoryGet(h1.id, { maxAgeMs: 0 });
  await f.mod.inventory.inventoryGet(h2.id, { maxAgeMs: 0 });

  admin = await who(`acc-admin-${lab.tag}`, "admin");
  hana = await who(`hana-${lab.tag}`);
  other = await who(`other-${lab.tag}`);
  expect((await grantPost(admin, hanaOnVmA())).status).toBe(201);
  const g = await api(admin, "POST", "groups", {}, { name: `web-team-${lab.tag}`, description: "web" });
  expect(g.status).toBe(201);
  webTeam = g.json.group.id;
  expect((await api(admin, "POST", "groups/[id]/members", { id: webTeam }, { userId: hana.id })).status).toBe(201);
  expect(
    (
      await grantPost(admin, {
        subject: { kind: "group", id: webTeam },
        roleId: "helpdesk",
        scope: { kind: "tag", tag: "web" },
      })
    ).status,
  ).toBe(201);
  expect(
    (
      await grantPost(admin, {
        subject: { kind: "group", id: webTeam },
        roleId: "viewer",
        scope: { kind: "host", hostId: h2.id },
      })
    ).status,
  ).toBe(201);
  expect(
    (await api(admin, "PUT", "vms/[hostId]/[uuid]/tags", vmIds(vmB, h1), { tags: ["Web", "db"] })).json.tags,
  ).toEqual(["db", "web"]);

  const { upgradeRouteFind, upgradeRouteRegister } = await import("@/lib/ws/upgrade-router");
  const { consoleUpgrade } = await import("@/lib/consoles/proxy");
  if (!upgradeRouteFind("/ws/console")) upgradeRouteRegister("/ws/console", consoleUpgrade);
  server = createServer((_req, res) => res.end());
  server.on("upgrade", (req, socket, head) => {
    req.headers["x-virtdeck-peer"] = "127.0.0.1";
    upgradeRouteFind(req.url)?.(req, socket, head);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
}, 240_000);

afterAll(async () => {
  const { consolesCloseAll } = await import("@/lib/consoles/proxy");
  consolesCloseAll();
  await new Promise((r) => server?.close(r));
  const problems = await lab.cleanup();
  await f?.teardown();
  expect(problems).toEqual([]);
});

describe(`access control on ${testDbKind()}`, () => {
  it("lists, searches and counts only the VMs a user may view: by VM grant, by tag through a group, by host", async () => {
    expect((await listed(hana)).names).toEqual([vmA.name, vmB.name, vmC.name].sort());
    // The count covers what she sees: A and B on host 1, and whatever runs on host 2 (other tests' guests too).
    const all = await api(hana, "GET", "vms", {}, undefined, "?pageSize=200");
    const rows = all.json.vms as { hostId: string; uuid: string }[];
    expect(all.json.total).toBe(rows.length);
    expect(
      rows
        .filter((v) => v.hostId === h1.id)
        .map((v) => v.uuid)
        .sort(),
    ).toEqual([vmA.uuid, vmB.uuid].sort());
    expect(rows.filter((v) => v.hostId !== h1.id && v.hostId !== h2.id)).toEqual([]);
    expect((await listed(hana, `?q=${encodeURIComponent(vmD.name)}`)).names).toEqual([]);
    expect((await listed(hana, `?q=${encodeURIComponent(vmB.name)}`)).names).toEqual([vmB.name]);
    expect((await listed(hana, `?host=${h1.id}`)).names).toEqual([vmA.name, vmB.name].sort());
    // Someone granted nothing sees an empty list, not an error.
    expect(await listed(other)).toEqual({ names: [], total: 0 });
    // Admins see everything.
    expect((await listed(admin)).names).toEqual([vmA.name, vmB.name, vmC.name, vmD.name].sort());
    // Per-VM privileges for the buttons: console on A (direct) and B (tag), view only on C (host viewer).
    const r = await api(hana, "GET", "vms");
    const priv = r.json.privileges as Record<string, string[]>;
    expect(priv[`${h1.id}/${vmA.uuid}`]).toEqual(["vm.console", "vm.view"]);
    expect(priv[`${h1.id}/${vmB.uuid}`]).toEqual(["vm.console", "vm.view"]);
    expect(priv[`${h2.id}/${vmC.uuid}`]).toEqual(["vm.view"]);
  });

  it("computes the visibility set in SQL from user, group, tag and host grants", async () => {
    const { visibility, principalFromSession } = await import("@/lib/authz");
    const session = (await f.mod.session.sessionLookup(hana.token))!;
    const v = await visibility(principalFromSession(session), "vm.view");
    expect(v.all).toBe(false);
    expect([...v.hostIds]).toEqual([h2.id]);
    expect([...v.vms].sort()).toEqual([`${h1.id}/${vmA.uuid}`, `${h1.id}/${vmB.uuid}`].sort());
    const hostsSeen = await visibility(principalFromSession(session), "host.view");
    expect([...hostsSeen.hostIds]).toEqual([h2.id]);
    // One read of the grants answers the same as separate checks, tags included.
    const { accessSnapshot, privilegesAt } = await import("@/lib/authz");
    const snap = await accessSnapshot(principalFromSession(session));
    for (const target of [
      { hostId: h1.id, vmUuid: vmB.uuid },
      { hostId: h1.id, vmUuid: vmD.uuid },
      { hostId: h2.id },
      undefined,
    ]) {
      expect([...(await snap.at(target))].sort()).toEqual(
        [...(await privilegesAt(principalFromSession(session), target))].sort(),
      );
    }
    expect([...(await snap.at({ hostId: h1.id, vmUuid: vmB.uuid }))].sort()).toEqual(["vm.console", "vm.view"]);
    const hosts = await api(hana, "GET", "hosts");
    expect((hosts.json.hosts as { id: string }[]).map((h) => h.id)).toEqual([h2.id]);
  });

  it("answers 404 for every id a user may not see (IDOR), and 403 where they see but may not act", async () => {
    const notFound = [
      await api(hana, "GET", "vms/[hostId]/[uuid]", vmIds(vmD, h1)),
      await api(hana, "GET", "vms/[hostId]/[uuid]/screenshot", vmIds(vmD, h1)),
      await api(hana, "POST", "vms/[hostId]/[uuid]/console", vmIds(vmD, h1), { kind: "vnc", mode: "view" }),
      await api(hana, "GET", "vms/[hostId]/[uuid]/console", vmIds(vmD, h1)),
      await api(hana, "POST", "vms/[hostId]/[uuid]/actions", vmIds(vmD, h1), { action: "destroy" }),
      await api(hana, "PUT", "vms/[hostId]/[uuid]/tags", vmIds(vmD, h1), { tags: ["web"] }),
      // VM A's UUID under another host is another (invisible) VM.
      await api(hana, "GET", "vms/[hostId]/[uuid]", { hostId: h2.id, uuid: vmA.uuid }),
      await api(hana, "GET", "hosts/[id]", { id: h1.id }),
      await api(hana, "GET", "hosts/[id]/info", { id: h1.id }),
      await api(hana, "POST", "hosts/[id]/test", { id: h1.id }),
      await api(hana, "GET", "vms/[hostId]/[uuid]", { hostId: "not-a-uuid", uuid: vmA.uuid }),
    ];
    expect(notFound.map((r) => r.status)).toEqual(notFound.map(() => 404));
    // D is still running: nothing happened to it.
    expect(virshSync("host1", ["domstate", vmD.uuid]).trim()).toBe("running");
    expect((await api(admin, "GET", "vms/[hostId]/[uuid]/tags", vmIds(vmD, h1))).json.tags).toEqual([]);

    // Visible but not allowed: a view/console grant never powers a VM off (the anchor bug), nor edits tags.
    const forbidden = [
      await api(hana, "POST", "vms/[hostId]/[uuid]/actions", vmIds(vmA, h1), { action: "destroy" }),
      await api(hana, "POST", "vms/[hostId]/[uuid]/actions", vmIds(vmC, h2), { action: "destroy" }),
      await api(hana, "PUT", "vms/[hostId]/[uuid]/tags", vmIds(vmA, h1), { tags: ["web"] }),
      await api(hana, "POST", "vms/[hostId]/[uuid]/console", vmIds(vmC, h2), { kind: "vnc", mode: "view" }),
      await api(hana, "POST", "hosts/[id]/test", { id: h2.id }),
    ];
    expect(forbidden.map((r) => r.status)).toEqual(forbidden.map(() => 403));
    expect(virshSync("host1", ["domstate", vmA.uuid]).trim()).toBe("running");
    expect(virshSync("host2", ["domstate", vmC.uuid]).trim()).toBe("running");
    const denied = await f.auditActions("access.denied");
    expect(denied.filter((d) => d.targetId === `${h1.id}/${vmA.uuid}`).length).toBeGreaterThan(0);
  });

  it("answers 404 for other people's tasks, API tokens and share links (IDOR on every id kind)", async () => {
    const db = f.mod.db.db();
    const task = await noopTaskCreate(f, admin, { title: "admin's task", status: "succeeded" });
    const token = await db.apiToken.create({
      data: {
        userId: admin.id,
        name: "admin's",
        prefix: `vdt${randomBytes(4).toString("hex")}`,
        tokenHash: randomBytes(32).toString("hex"),
        privileges: ["vm.view"],
        expiresAt: new Date(Date.now() + 3600_000),
      },
    });
    const link = await db.shareLink.create({
      data: {
        tokenHash: randomBytes(32).toString("hex"),
        hostId: h1.id,
        vmUuid: vmD.uuid,
        kind: "vnc",
        createdById: admin.id,
        createdBy: admin.username,
        expiresAt: new Date(Date.now() + 3600_000),
      },
    });
    const attempts = [
      await api(hana, "GET", "tasks/[id]", { id: task.id }),
      await api(hana, "POST", "tasks/[id]/cancel", { id: task.id }),
      await api(hana, "DELETE", "tokens/[id]", { id: token.id }),
      await api(hana, "DELETE", "share-links/[id]", { id: link.id }),
    ];
    expect(attempts.map((a) => a.status)).toEqual([404, 404, 404, 404]);
    expect((await api(hana, "GET", "tasks")).json.tasks.map((t: { id: string }) => t.id)).not.toContain(task.id);
    expect((await db.apiToken.findUnique({ where: { id: token.id } }))!.revokedAt).toBeNull();
    expect((await db.shareLink.findUnique({ where: { id: link.id } }))!.revokedAt).toBeNull();
    // The owner reaches them.
    expect((await api(admin, "GET", "tasks/[id]", { id: task.id })).status).toBe(200);
  });

  it("refuses privilege escalation: granting oneself, joining a group, promoting oneself, editing roles", async () => {
    const attempts = [
      await grantPost(hana, { subject: { kind: "user", id: hana.id }, roleId: "admin", scope: { kind: "global" } }),
      await grantPost(hana, { subject: { kind: "group", id: webTeam }, roleId: "admin", scope: { kind: "global" } }),
      await api(hana, "POST", "groups/[id]/members", { id: webTeam }, { userId: other.id }),
      await api(hana, "PATCH", "users/[id]", { id: hana.id }, { role: "admin" }),
      await api(hana, "PATCH", "roles/[id]", { id: "helpdesk" }, { privileges: ["vm.view", "vm.console", "vm.power"] }),
      await api(hana, "POST", "roles", {}, { name: "mine", privileges: ["user.manage"] }),
      await api(hana, "GET", "vms/[hostId]/[uuid]/access", vmIds(vmA, h1)),
      await api(hana, "GET", "grants", {}, undefined, `?userId=${hana.id}`),
    ];
    expect(attempts.map((a) => a.status)).toEqual(attempts.map(() => 403));
    const grants = await api(admin, "GET", "grants", {}, undefined, `?userId=${hana.id}`);
    expect((grants.json.grants as { role: { id: string } }[]).map((g) => g.role.id)).toEqual(["helpdesk"]);

    // Forged subject kinds: a user's id passed as a group and a group's id passed as a user are unknown.
    expect(
      (await grantPost(admin, { subject: { kind: "group", id: hana.id }, roleId: "viewer", scope: { kind: "global" } }))
        .json.error.message,
    ).toBe("Group not found");
    expect(
      (await grantPost(admin, { subject: { kind: "user", id: webTeam }, roleId: "viewer", scope: { kind: "global" } }))
        .status,
    ).toBe(404);
    expect((await api(admin, "POST", "groups/[id]/members", { id: hana.id }, { userId: hana.id })).status).toBe(404);
    // Built-in roles are read-only, even for admins; a role in use cannot be deleted.
    expect(
      (await api(admin, "PATCH", "roles/[id]", { id: "helpdesk" }, { privileges: ["vm.view", "vm.power"] })).status,
    ).toBe(403);
    expect((await api(admin, "DELETE", "roles/[id]", { id: "viewer" })).status).toBe(403);
    // Duplicates and bad scopes.
    expect((await grantPost(admin, hanaOnVmA())).status).toBe(409);
    expect(
      (
        await grantPost(admin, {
          subject: { kind: "user", id: hana.id },
          roleId: "helpdesk",
          scope: { kind: "vm", hostId: h1.id, vmUuid: "../../etc" },
        })
      ).status,
    ).toBe(422);
  });

  it("applies a custom role at once, and audits every permission change", async () => {
    const role = await api(
      admin,
      "POST",
      "roles",
      {},
      { name: `power-${lab.tag}`, privileges: ["vm.view", "vm.power"] },
    );
    expect(role.status).toBe(201);
    const grant = await grantPost(admin, {
      subject: { kind: "user", id: other.id },
      roleId: role.json.role.id,
      scope: { kind: "vm", hostId: h1.id, vmUuid: vmD.uuid },
    });
    expect(grant.status).toBe(201);
    // "resume" on a running guest: authorized, refused by libvirt's state (409), nothing changes.
    expect((await api(other, "POST", "vms/[hostId]/[uuid]/actions", vmIds(vmD, h1), { action: "resume" })).status).toBe(
      409,
    );
    expect(
      (await api(admin, "PATCH", "roles/[id]", { id: role.json.role.id }, { privileges: ["vm.view"] })).status,
    ).toBe(200);
    expect((await api(other, "POST", "vms/[hostId]/[uuid]/actions", vmIds(vmD, h1), { action: "resume" })).status).toBe(
      403,
    );
    expect((await api(admin, "DELETE", "roles/[id]", { id: role.json.role.id })).status).toBe(409);
    expect((await api(admin, "DELETE", "grants/[id]", { id: grant.json.grant.id })).status).toBe(200);
    expect((await api(other, "GET", "vms/[hostId]/[uuid]", vmIds(vmD, h1))).status).toBe(404);
    const actions = (await f.auditActions("")).map((a) => a.action);
    for (const a of [
      "grant.create",
      "grant.delete",
      "group.create",
      "group.member_add",
      "role.create",
      "role.update",
      "vm.tags",
    ])
      expect(actions).toContain(a);
  });

  it("shows a VM's effective access with where each privilege comes from", async () => {
    const r = await api(admin, "GET", "vms/[hostId]/[uuid]/access", vmIds(vmB, h1));
    expect(r.status).toBe(200);
    const entry = (
      r.json.access.entries as {
        user: { username: string };
        privileges: string[];
        sources: { via: { kind: string; name?: string }; scope: string; scopeName: string | null }[];
      }[]
    ).find((e) => e.user.username === hana.username)!;
    expect(entry.privileges).toEqual(["vm.console", "vm.view"]);
    expect(entry.sources).toEqual([
      expect.objectContaining({
        scope: "tag",
        scopeName: "web",
        via: expect.objectContaining({ kind: "group", name: `web-team-${lab.tag}` }),
      }),
    ]);
    const adminEntry = r.json.access.entries.find(
      (e: { user: { username: string } }) => e.user.username === admin.username,
    );
    expect(adminEntry.sources[0].via.kind).toBe("account_role");
    expect(r.json.access.tags).toEqual(["db", "web"]);
  });

  it("closes an open console within 2 s when the grant is revoked, and when the user leaves the group", async () => {
    const open = async (g: Guest) => {
      const mint = await api(hana, "POST", "vms/[hostId]/[uuid]/console", vmIds(g, h1), {
        kind: "vnc",
        mode: "interactive",
      });
      expect(mint.status, JSON.stringify(mint.json)).toBe(201);
      const ws = new WebSocket(`ws://127.0.0.1:${port}${mint.json.url}`, ["binary"], {
        headers: { origin: `http://127.0.0.1:${port}`, cookie: `vd_session=${hana.token}` },
      });
      const first = new Promise<Buffer>((res, rej) => {
        ws.once("message", (d: Buffer) => res(d));
        ws.once("error", rej);
      });
      const closed = new Promise<{ code: number; reason: string; at: number }>((res) =>
        ws.on("close", (code, reason) => res({ code, reason: reason.toString(), at: Date.now() })),
      );
      expect((await first).toString("latin1")).toMatch(/^RFB 003\.00\d\n/);
      return { ws, closed };
    };

    // Direct VM grant on A: deleted by an admin.
    const a = await open(vmA);
    const grants = await api(admin, "GET", "grants", {}, undefined, `?userId=${hana.id}`);
    const grantA = (grants.json.grants as { id: string; vmUuid: string }[]).find((g) => g.vmUuid === vmA.uuid)!;
    let t0 = Date.now();
    expect((await api(admin, "DELETE", "grants/[id]", { id: grantA.id })).status).toBe(200);
    let closed = await a.closed;
    expect(closed.code).toBe(4003);
    expect(closed.reason).toBe("permission revoked");
    expect(closed.at - t0).toBeLessThan(2_000);
    expect(
      (await api(hana, "POST", "vms/[hostId]/[uuid]/console", vmIds(vmA, h1), { kind: "vnc", mode: "view" })).status,
    ).toBe(404);

    // B through the group's tag grant: removing her from the group closes it.
    const b = await open(vmB);
    t0 = Date.now();
    expect((await api(admin, "DELETE", "groups/[id]/members/[userId]", { id: webTeam, userId: hana.id })).status).toBe(
      200,
    );
    closed = await b.closed;
    expect(closed.code).toBe(4003);
    expect(closed.at - t0).toBeLessThan(2_000);
    expect((await listed(hana)).names).toEqual([]);
  });

  it("keeps one admin: counts admins holding user.manage through groups, and refuses changes that would leave none", async () => {
    const db = f.mod.db.db();
    // Make the group the only way anyone is an admin: everyone else loses the admin account role.
    const groupAdmin = await who(`gadmin-${lab.tag}`);
    const admins = await api(admin, "POST", "groups", {}, { name: `admins-${lab.tag}` });
    expect(
      (await api(admin, "POST", "groups/[id]/members", { id: admins.json.group.id }, { userId: groupAdmin.id })).status,
    ).toBe(201);
    const grant = await grantPost(admin, {
      subject: { kind: "group", id: admins.json.group.id },
      roleId: "admin",
      scope: { kind: "global" },
    });
    expect(grant.status).toBe(201);
    await db.user.updateMany({ where: { role: "admin", id: { not: admin.id } }, data: { role: "operator" } });
    // The group admin manages users now; the original admin can be demoted.
    expect((await api(groupAdmin, "PATCH", "users/[id]", { id: admin.id }, { role: "operator" })).status).toBe(200);
    expect((await api(groupAdmin, "GET", "users")).status).toBe(200);
    // Nothing may take the last admin away.
    expect((await api(groupAdmin, "DELETE", "grants/[id]", { id: grant.json.grant.id })).status).toBe(409);
    expect(
      (
        await api(groupAdmin, "DELETE", "groups/[id]/members/[userId]", {
          id: admins.json.group.id,
          userId: groupAdmin.id,
        })
      ).status,
    ).toBe(409);
    expect((await api(groupAdmin, "DELETE", "groups/[id]", { id: admins.json.group.id })).status).toBe(409);
    // Another admin (by account role) makes it possible again.
    expect((await api(groupAdmin, "PATCH", "users/[id]", { id: admin.id }, { role: "admin" })).status).toBe(200);
    expect((await api(admin, "DELETE", "groups/[id]", { id: admins.json.group.id })).status).toBe(200);
    expect((await api(groupAdmin, "GET", "users")).status).toBe(403);
  });
});

describe("live events", () => {
  it("sends a subscriber only the VMs they may view", async () => {
    const viewer = await who(`ev-${lab.tag}`);
    await f.mod.db
      .db()
      .grant.create({ data: { userId: viewer.id, roleId: "viewer", scope: "vm", hostId: h1.id, vmUuid: vmA.uuid } });
    const mod = (await import(/* @vite-ignore */ path.join(ROOT, "app/api/events/route.ts"))) as Record<
      string,
      Handler
    >;
    const ac = new AbortController();
    const res = await mod.GET(
      new NextRequest("http://127.0.0.1:3000/api/events", {
        headers: { cookie: `vd_session=${viewer.token}`, "x-virtdeck-peer": "127.0.0.9" },
        signal: ac.signal,
      }),
      { params: Promise.resolve({}) },
    );
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = "";
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += new TextDecoder().decode(value);
      }
    })();
    // Let the watchers connect, then change both a hidden and a visible guest outside virtdeck.
    await new Promise((r) => setTimeout(r, 1500));
    virshSync("host1", ["suspend", vmD.uuid]);
    virshSync("host1", ["suspend", vmA.uuid]);
    await until("an event for VM A", () => text.includes(vmA.uuid), { timeoutMs: 15_000 });
    await new Promise((r) => setTimeout(r, 1000));
    virshSync("host1", ["resume", vmD.uuid]);
    virshSync("host1", ["resume", vmA.uuid]);
    await until("VM A running again", () => text.split(vmA.uuid).length > 2, { timeoutMs: 15_000 });
    expect(text).not.toContain(vmD.uuid);
    expect(text).not.toContain(vmD.name);

    // Signed out elsewhere: the open stream carries nothing more.
    const session = (await f.mod.session.sessionLookup(viewer.token))!;
    await f.mod.session.sessionRevoke(session.id);
    await new Promise((r) => setTimeout(r, 2_500));
    const before = text.length;
    virshSync("host1", ["suspend", vmA.uuid]);
    await new Promise((r) => setTimeout(r, 3_000));
    virshSync("host1", ["resume", vmA.uuid]);
    expect(text.slice(before)).not.toContain(vmA.uuid);
    ac.abort();
    await reader.cancel().catch(() => {});
    await pump.catch(() => {});
  }, 60_000);
});
