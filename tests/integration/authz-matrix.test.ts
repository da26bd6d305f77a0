// The authorization matrix. Expectations come from this file's own table (RULES: the access rules
// of the product, decided in writing), never from the code under test. Every route handler under
// app/api is found on disk and must have a row here. Each row is called through the real handler,
// on the real database and the real test hosts (two libvirts behind sshd), by:
//  - every built-in role granted globally, on host 1, or on one VM of host 1, in and out of scope;
//  - API tokens of an administrator limited to one privilege (allowed only where it suffices).
// A call that should pass must succeed (2xx, or the one documented non-authorization answer of its
// row: a 500 fails the matrix); a call that should not must be refused with the decided status
// (403, or 404 where the caller may not even see the target) and recorded as access.denied.
// Further blocks check the principals the table cannot express: share links, /ws/console and the
// HTTP CONNECT path (.vv), what the SSE streams deliver, and objects owned by someone else.
import { randomBytes, randomUUID } from "node:crypto";
import { execFileSync } from "node:child_process";
import { chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { fleetSetup, stackEnv, until, CALLER_IP, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { GuestLab, virshAsync, virshSync, type Guest } from "./helpers/fleet-guests";
import {
  consoleOpen,
  consoleRefusedStatus,
  consoleServerStart,
  guestRemove,
  idleGuestXml,
  rfbHandshake,
  virsh,
} from "./helpers/console-stack";
import { connectThrough } from "./helpers/wire";
import { testPoolCreate, type TestPool } from "./helpers/provisioning-pool";
import { callerOf, sessionCaller } from "./helpers/callers";
import { PRIVILEGES, type Privilege } from "@/lib/authz/privileges";

const ROOT = path.resolve(import.meta.dirname, "../..");
const API = path.join(ROOT, "app/api");

// ─── The rules (the spec: written here, not read from the routes) ────────────────────────────────

// The privilege vocabulary is the product's own list; what each route needs and what each built-in
// role holds is decided below, in this file.
const ALL = PRIVILEGES;
type Priv = Privilege;
/** The built-in roles as the product defines them. */
const ROLE_PRIVILEGES: Record<string, readonly Priv[]> = {
  admin: ALL,
  operator: ALL.filter((p) => p !== "user.manage" && p !== "audit.view"),
  helpdesk: ["vm.view", "vm.console"],
  viewer: ["vm.view", "host.view"],
};
const ROLES = Object.keys(ROLE_PRIVILEGES);
/** Privileges that mean something only instance-wide: a host grant does not give them "anywhere". */
const INSTANCE_WIDE = new Set<Priv>(["user.manage", "audit.view"]);

/** Where a requirement is checked: the VM or host the request names, instance-wide, or at any scope (lists). */
type At = "vm" | "host" | "global" | "anywhere";
interface Need {
  priv: Priv;
  at: At;
}
type Rule =
  /** No account needed. */
  | { kind: "public" }
  /** Any signed-in caller, for their own things; `session`: a browser session only (API tokens get 403). */
  | { kind: "self"; session?: boolean }
  /** Every need must hold. */
  | { kind: "needs"; needs: Need[]; session?: boolean }
  /** Share-link revoke: the creator (still holding vm.console) or global user.manage; others 404. */
  | { kind: "share-link-revoke" };

const pub: Rule = { kind: "public" };
const self: Rule = { kind: "self" };
const selfSession: Rule = { kind: "self", session: true };
const need = (priv: Priv, at: At, more: Need[] = [], session = false): Rule => ({
  kind: "needs",
  needs: [{ priv, at }, ...more],
  session,
});
const admin_ = need("user.manage", "global");

/** What an allowed call answers: any 2xx, or one documented non-authorization answer (status + error code). */
type Ok = "2xx" | { status: number; code: string; why: string };

/** The caller's target: VM/host in scope (VM A/N on host 1) or out of scope (VM C on host 2). */
interface Target {
  hostId: string;
  uuid: string;
  inScope: boolean;
}
interface Call {
  params?: Record<string, string>;
  body?: unknown;
  query?: string;
}
interface Row {
  rule: Rule;
  /** What the path names, for the scope and the refusal status; "template": a template bound to (or created on) the target host. */
  target: "vm" | "host" | "none" | "template";
  /** The VM named when in scope: A (running) or N (shut off, for edits that define). */
  vm?: "A" | "N";
  /** Builds a harmless valid request; objects it destroys are created for this call. */
  call(t: Target, who: Who): Call | Promise<Call>;
  ok?: Ok;
  stream?: boolean;
  /** Runs on a fresh session of the caller (logout ends it). */
  freshSession?: boolean;
  /** The refusal status when it does not depend on what the caller may see. */
  refusal?: number;
  /**
   * Changes a storage pool: one such call per host at a time (libvirt refuses a pool refresh while a
   * volume is being created in it: "has asynchronous jobs running").
   */
  pool?: boolean;
}

let f: FleetContext;
const lab = new GuestLab("matrix");
let host1: HostView;
let host2: HostView;
let vmA: Guest;
let vmC: Guest;
let vmN: Guest;
let pool: TestPool;
/** A user the admin routes act on (never one of the principals). */
let sinkUserId: string;
let fixtureGroupId: string;
let fixtureRoleId: string;
let fixtureTemplateId: string;

const rnd = () => randomBytes(4).toString("hex");
const vmP = (t: Target) => ({ hostId: t.hostId, uuid: t.uuid });
const hostP = (t: Target) => ({ id: t.hostId });
const adminPrincipal = async () => f.caller.principal;
const templateBody = (hostId: string | null, extra: Record<string, unknown> = {}) => ({
  name: `matrix-${rnd()}`,
  vcpus: 1,
  memoryMiB: 64,
  maxMemoryMiB: 64,
  defaultHostId: hostId,
  ...extra,
});
async function templateFor(hostId: string | null): Promise<string> {
  const templates = await import("@/lib/templates/templates");
  const contracts = await import("@/lib/contracts/provisioning");
  return (await templates.templateCreate(f.caller, contracts.TemplateInputSchema.parse(templateBody(hostId)))).id;
}
/** A backup repository of the target's host (a fresh directory under /var/tmp, removed in afterAll). */
async function repositoryFor(t: Target): Promise<string> {
  const repos = await import("@/lib/backup/repositories");
  return (
    await repos.repositoryCreate(f.caller, t.hostId, {
      name: `matrix-${rnd()}`,
      path: `/var/tmp/${MATRIX_REPO}-${rnd()}`,
    })
  ).id;
}
/** A backup job of the target VM, on demand only. */
async function backupJobFor(t: Target): Promise<string> {
  const jobs = await import("@/lib/backup/jobs");
  return (
    await jobs.backupJobCreate(f.caller, t.hostId, t.uuid, {
      name: `matrix-${rnd()}`,
      repositoryId: await repositoryFor(t),
      schedule: null,
      keepDaily: 1,
      keepWeekly: 0,
      keepMonthly: 0,
      enabled: true,
    })
  ).id;
}
/** A backup point row of the target VM (no files: the calls only queue tasks). */
async function backupPointFor(t: Target): Promise<string> {
  const id = randomUUID();
  await f.mod.db.db().backupPoint.create({
    data: {
      id,
      repositoryId: await repositoryFor(t),
      hostId: t.hostId,
      vmUuid: t.uuid,
      vmName: "matrix",
      kind: "full",
      method: "backup-begin",
      disks: [],
      domainXml: "<domain/>",
    },
  });
  return id;
}
async function userFor(): Promise<string> {
  return (
    await f.mod.db.db().user.create({ data: { username: `m-sink-${rnd()}`, passwordHash: "x", role: "helpdesk" } })
  ).id;
}
/** A volume of its own in the matrix pool of host 1 (in scope) or host 2. */
async function volumeFor(t: Target): Promise<string> {
  const name = `vdtest-matrix-${rnd()}.qcow2`;
  await virshAsync(t.inScope ? "host1" : "host2", ["vol-create-as", pool.name, name, "1M", "--format", "qcow2"]);
  return name;
}
/**
 * Prefix of the networks the matrix defines: isolated, no address, never started (host 1, and host 2's
 * session libvirt for the out-of-scope calls a global grant allows); removed in afterAll.
 */
const MATRIX_NET = `vdtest-matrix-net-${rnd()}`;
/** Prefix of the backup repository directories the matrix creates under /var/tmp (removed in afterAll). */
const MATRIX_REPO = `vdtest-matrix-repo-${rnd()}`;
/** A defined, inactive isolated network on the target's host, for one call. */
async function networkFor(t: Target): Promise<string> {
  const name = `${MATRIX_NET}-${rnd()}`;
  const { networkCreate } = await import("@/lib/fleet/network-changes");
  await networkCreate(f.caller, t.hostId, { name, forwardMode: "isolated" });
  return name;
}
/**
 * Prefix of the storage pools the matrix creates: dir pools built (an empty directory under /var/tmp)
 * but never started (host 1, and host 2's session libvirt); removed with their directory in afterAll.
 */
const MATRIX_POOL = `vdtest-matrix-pool-${rnd()}`;
const matrixPoolSpec = () => {
  const name = `${MATRIX_POOL}-${rnd()}`;
  return { name, type: "dir", targetPath: `/var/tmp/${name}`, start: false, autostart: false };
};
/** A defined, built, inactive dir pool on the target's host, for one call. */
async function managedPoolFor(t: Target): Promise<string> {
  const { poolCreate } = await import("@/lib/storage/pools");
  return (await poolCreate(f.caller, t.hostId, matrixPoolSpec())).name;
}
/**
 * A host record of its own (delete / re-point / confirm / probe targets), granted to `who` like host 1
 * when in scope. It names host 1's sshd when `reachable`, else a closed port (nothing to connect to).
 */
async function scratchHostFor(who: Who, inScope: boolean, reachable = false): Promise<string> {
  const h = await f.mod.hosts.hostCreate(
    f.caller,
    f.mod.hosts.HostCreateSchema.parse({
      name: `matrix scratch ${rnd()}`,
      address: stackEnv().host1.host,
      port: reachable ? stackEnv().host1.port : 1,
      username: stackEnv().host1.username,
      key: { kind: "paste", privateKey: readFileSync(stackEnv().host1.privateKeyPath, "utf8") },
    }),
  );
  f.hostIds.push(h.id);
  await f.mod.db
    .db()
    .host.update({ where: { id: h.id }, data: { presentedHostKeySha256: stackEnv().host1.hostKeySha256 } });
  if (inScope && who.where === "host")
    await f.mod.db.db().grant.create({ data: { userId: who.userId, roleId: who.role, scope: "host", hostId: h.id } });
  return h.id;
}
async function shareLinkOn(t: Target): Promise<string> {
  const share = await import("@/lib/consoles/share-links");
  const created = await share.shareLinkCreate(callerOf(await adminPrincipal(), CALLER_IP), t.hostId, t.uuid, {
    kind: "vnc",
    expiresInMinutes: 10,
    viewOnly: true,
    singleUse: false,
  });
  return created.link.id;
}
async function taskOf(session: import("@/lib/auth/session").ActiveSession): Promise<string> {
  const tasks = await import("@/lib/tasks/tasks");
  return (
    await tasks.taskEnqueue(sessionCaller(session, CALLER_IP), { kind: "matrix.wait", title: "matrix task", input: {} })
  ).id;
}

/**
 * Every route handler x method, plus variants of one handler ("... #variant") where a field of the
 * request changes the rule (host re-pointing, bridge NICs, import, templates without a host).
 */
const ROWS: Record<string, Row> = {
  // Account security of the caller themselves: browser sessions only.
  "account/password POST": {
    rule: selfSession,
    target: "none",
    call: () => ({ body: { currentPassword: "not the password", newPassword: "a new password 1" } }),
    ok: { status: 422, code: "invalid_input", why: "wrong current password" },
  },
  "account/totp GET": { rule: self, target: "none", call: () => ({}) },
  "account/totp/confirm POST": {
    rule: selfSession,
    target: "none",
    call: () => ({ body: { code: "000000" } }),
    ok: { status: 409, code: "conflict", why: "no enrolment started" },
  },
  "account/totp/disable POST": {
    rule: selfSession,
    target: "none",
    call: () => ({ body: { password: "not the password", code: "000000" } }),
    ok: { status: 409, code: "conflict", why: "two-factor not enabled" },
  },
  "account/totp/enrol POST": { rule: selfSession, target: "none", call: () => ({}) },
  "account/totp/recovery-codes POST": {
    rule: selfSession,
    target: "none",
    call: () => ({ body: { code: "000000" } }),
    ok: { status: 409, code: "conflict", why: "two-factor not enabled" },
  },
  "audit GET": { rule: need("audit.view", "global"), target: "none", call: () => ({}) },
  // Backups: repositories and jobs are managed where backup.manage is held (a host, or globally);
  // a VM's points are listed and restored with backup.restore on it (restoring also creates a VM).
  "backups/repositories GET": { rule: need("backup.manage", "anywhere"), target: "none", call: () => ({}) },
  "backups/jobs GET": { rule: need("backup.manage", "anywhere"), target: "none", call: () => ({}) },
  "audit/export GET": { rule: need("audit.view", "global"), target: "none", call: () => ({}), stream: true },
  "auth/login POST": {
    rule: pub,
    target: "none",
    call: () => ({ body: { username: "nobody-here", password: "wrong password" } }),
    ok: { status: 401, code: "unauthorized", why: "wrong credentials" },
  },
  "auth/login/enrol POST": {
    rule: pub,
    target: "none",
    call: () => ({}),
    ok: { status: 401, code: "unauthorized", why: "no pending sign-in" },
  },
  "auth/login/enrol/confirm POST": {
    rule: pub,
    target: "none",
    call: () => ({ body: { code: "000000" } }),
    ok: { status: 401, code: "unauthorized", why: "no pending sign-in" },
  },
  "auth/login/second-factor POST": {
    rule: pub,
    target: "none",
    call: () => ({ body: { code: "000000" } }),
    ok: { status: 401, code: "unauthorized", why: "no pending sign-in" },
  },
  "auth/logout POST": { rule: self, target: "none", call: () => ({}), freshSession: true },
  "auth/me GET": { rule: self, target: "none", call: () => ({}) },
  "events GET": { rule: self, target: "none", call: () => ({}), stream: true },
  "grants GET": { rule: admin_, target: "none", call: () => ({}) },
  "grants POST": {
    rule: admin_,
    target: "none",
    call: () => ({
      body: {
        subject: { kind: "user", id: sinkUserId },
        roleId: "viewer",
        scope: { kind: "vm", hostId: host1.id, vmUuid: randomUUID() },
      },
    }),
  },
  "grants/[id] DELETE": {
    rule: admin_,
    target: "none",
    call: async () => ({
      params: {
        id: (
          await f.mod.db.db().grant.create({
            data: { userId: sinkUserId, roleId: "viewer", scope: "vm", hostId: host1.id, vmUuid: randomUUID() },
          })
        ).id,
      },
    }),
  },
  "groups GET": { rule: admin_, target: "none", call: () => ({}) },
  "groups POST": { rule: admin_, target: "none", call: () => ({ body: { name: `matrix-${rnd()}` } }) },
  "groups/[id] GET": { rule: admin_, target: "none", call: () => ({ params: { id: fixtureGroupId } }) },
  "groups/[id] PATCH": {
    rule: admin_,
    target: "none",
    call: () => ({ params: { id: fixtureGroupId }, body: { description: `matrix ${rnd()}` } }),
  },
  "groups/[id] DELETE": {
    rule: admin_,
    target: "none",
    call: async () => ({
      params: { id: (await f.mod.db.db().group.create({ data: { name: `matrix-${rnd()}` } })).id },
    }),
  },
  "groups/[id]/members POST": {
    rule: admin_,
    target: "none",
    call: async () => ({
      params: { id: (await f.mod.db.db().group.create({ data: { name: `matrix-${rnd()}` } })).id },
      body: { userId: sinkUserId },
    }),
  },
  "groups/[id]/members/[userId] DELETE": {
    rule: admin_,
    target: "none",
    call: async () => {
      const g = await f.mod.db
        .db()
        .group.create({ data: { name: `matrix-${rnd()}`, members: { create: { userId: sinkUserId } } } });
      return { params: { id: g.id, userId: sinkUserId } };
    },
  },
  "groups/[id]/quota GET": { rule: admin_, target: "none", call: () => ({ params: { id: fixtureGroupId } }) },
  "groups/[id]/quota PUT": {
    rule: admin_,
    target: "none",
    call: () => ({
      params: { id: fixtureGroupId },
      body: { maxVms: null, maxVcpus: null, maxMemoryMiB: null, maxDiskGiB: null },
    }),
  },
  "health GET": { rule: pub, target: "none", call: () => ({}) },
  "hosts GET": { rule: need("host.view", "anywhere"), target: "none", call: () => ({}) },
  "hosts POST": {
    rule: need("host.manage", "global"),
    target: "none",
    call: () => ({
      body: {
        name: `matrix new ${rnd()}`,
        address: "127.0.0.1",
        port: 22,
        username: "root",
        key: { kind: "generate" },
      },
    }),
  },
  "hosts/[id] GET": { rule: need("host.view", "host"), target: "host", call: (t) => ({ params: hostP(t) }) },
  // Name-like fields: host-scoped host.manage.
  // Scratch host records (host 1's sshd), granted like host 1 when in scope: re-pointing or probing
  // host 1 itself would drop its connection under the other principals' calls.
  "hosts/[id] PATCH": {
    rule: need("host.manage", "host"),
    target: "host",
    call: async (t, who) => ({
      params: { id: await scratchHostFor(who, t.inScope) },
      body: { name: `matrix renamed ${rnd()}` },
    }),
  },
  // Address, port, user or URI re-point the record (and every grant on it): global host.manage.
  "hosts/[id] PATCH #address": {
    rule: need("host.manage", "global"),
    target: "host",
    call: async (t, who) => ({
      params: { id: await scratchHostFor(who, t.inScope) },
      body: { address: "127.0.0.3", port: 2022 },
    }),
  },
  "hosts/[id] PATCH #uri": {
    rule: need("host.manage", "global"),
    target: "host",
    call: async (t, who) => ({
      params: { id: await scratchHostFor(who, t.inScope) },
      body: { libvirtUri: "qemu:///session" },
    }),
  },
  "hosts/[id] DELETE": {
    rule: need("host.manage", "host"),
    target: "host",
    call: async (t, who) => ({ params: { id: await scratchHostFor(who, t.inScope) } }),
  },
  // Confirming the key a (scratch) host presented: the stack's own record of it.
  "hosts/[id]/confirm-key POST": {
    rule: need("host.manage", "host"),
    target: "host",
    call: async (t, who) => ({
      params: { id: await scratchHostFor(who, t.inScope) },
      body: { fingerprint: stackEnv().host1.hostKeySha256 },
    }),
  },
  "hosts/[id]/backup-repositories POST": {
    rule: need("backup.manage", "host"),
    target: "host",
    call: (t) => ({ params: hostP(t), body: { name: `matrix-${rnd()}`, path: `/var/tmp/${MATRIX_REPO}-${rnd()}` } }),
  },
  "hosts/[id]/backup-repositories/[repositoryId] DELETE": {
    rule: need("backup.manage", "host"),
    target: "host",
    call: async (t) => ({ params: { id: t.hostId, repositoryId: await repositoryFor(t) } }),
  },
  "hosts/[id]/info GET": { rule: need("host.view", "host"), target: "host", call: (t) => ({ params: hostP(t) }) },
  // Maintenance: host.manage on the host, on scratch host records (host 1 itself never goes into
  // maintenance under the other principals' calls). The scratch host is not connected (its key is not
  // pinned), so the plan is refused after authorization; an evacuation naming the host itself as the
  // destination is 422 before any host is asked; with nothing evacuated there is nothing to return.
  "hosts/[id]/maintenance GET": {
    rule: need("host.manage", "host"),
    target: "host",
    call: async (t, who) => ({ params: { id: await scratchHostFor(who, t.inScope) } }),
    ok: { status: 409, code: "host_not_ready", why: "the scratch host's key is not pinned" },
  },
  "hosts/[id]/maintenance DELETE": {
    rule: need("host.manage", "host"),
    target: "host",
    call: async (t, who) => ({ params: { id: await scratchHostFor(who, t.inScope) } }),
  },
  "hosts/[id]/maintenance/evacuate POST": {
    rule: need("host.manage", "host"),
    target: "host",
    call: async (t, who) => {
      const id = await scratchHostFor(who, t.inScope);
      return { params: { id }, body: { vms: [{ uuid: randomUUID(), action: "migrate", destHostId: id }] } };
    },
    ok: { status: 422, code: "invalid_input", why: "the destination is the host being evacuated" },
  },
  "hosts/[id]/maintenance/return POST": {
    rule: need("host.manage", "host"),
    target: "host",
    call: async (t, who) => ({ params: { id: await scratchHostFor(who, t.inScope) } }),
    ok: { status: 409, code: "invalid_state", why: "the host is not in maintenance" },
  },
  "hosts/[id]/networks GET": { rule: need("host.view", "host"), target: "host", call: (t) => ({ params: hostP(t) }) },
  // The setup checklist reads only; its fixes are called with a body they refuse (422 after the
  // privilege check), so nothing is created on host 1 and no network with an address starts there.
  "hosts/[id]/readiness GET": { rule: need("host.view", "host"), target: "host", call: (t) => ({ params: hostP(t) }) },
  "hosts/[id]/readiness/pool POST": {
    rule: need("storage.manage", "host"),
    target: "host",
    ok: { status: 422, code: "invalid_input", why: "a relative pool path: refused before the host is touched" },
    call: (t) => ({ params: hostP(t), body: { name: `${MATRIX_NET}-pool`, path: "relative/dir" } }),
  },
  "hosts/[id]/readiness/network POST": {
    rule: need("network.manage", "host"),
    target: "host",
    ok: { status: 422, code: "invalid_input", why: "an unknown field: the default network is never started on host 1" },
    call: (t) => ({ params: hostP(t), body: { start: true } }),
  },
  // An isolated network without addresses, defined only (never started): nothing appears on host 1.
  "hosts/[id]/networks POST": {
    rule: need("network.manage", "host"),
    target: "host",
    call: (t) => ({ params: hostP(t), body: { name: `${MATRIX_NET}-${rnd()}`, forwardMode: "isolated" } }),
  },
  "hosts/[id]/networks/[network] POST": {
    rule: need("network.manage", "host"),
    target: "host",
    call: async (t) => ({
      params: { id: t.hostId, network: await networkFor(t) },
      body: { action: "autostart", autostart: true },
    }),
  },
  "hosts/[id]/networks/[network] PUT": {
    rule: need("network.manage", "host"),
    target: "host",
    call: async (t) => {
      const name = await networkFor(t);
      return { params: { id: t.hostId, network: name }, body: { name, forwardMode: "isolated", mtu: 1400 } };
    },
  },
  "hosts/[id]/networks/[network] DELETE": {
    rule: need("network.manage", "host"),
    target: "host",
    call: async (t) => ({ params: { id: t.hostId, network: await networkFor(t) } }),
  },
  "hosts/[id]/networks/[network]/leases GET": {
    rule: need("host.view", "host"),
    target: "host",
    call: async (t) => ({ params: { id: t.hostId, network: await networkFor(t) } }),
  },
  "hosts/[id]/provisioning GET": {
    rule: need("template.use", "host"),
    target: "host",
    call: (t) => ({ params: hostP(t) }),
  },
  // Probes an address and port: global host.manage (else a port scanner).
  "hosts/[id]/test POST": {
    rule: need("host.manage", "global"),
    target: "host",
    call: async (t, who) => ({ params: { id: await scratchHostFor(who, t.inScope, true) } }),
  },
  "hosts/[id]/storage/isos GET": {
    rule: need("host.view", "host"),
    target: "host",
    call: (t) => ({ params: hostP(t) }),
  },
  "hosts/[id]/storage/isos POST": {
    rule: need("storage.manage", "host"),
    target: "host",
    pool: true,
    call: (t) => ({ params: hostP(t) }),
  },
  "hosts/[id]/storage/pools GET": {
    rule: need("host.view", "host"),
    target: "host",
    call: (t) => ({ params: hostP(t) }),
  },
  // A dir pool built under /var/tmp, never started.
  "hosts/[id]/storage/pools POST": {
    rule: need("storage.manage", "host"),
    target: "host",
    call: (t) => ({ params: hostP(t), body: matrixPoolSpec() }),
  },
  "hosts/[id]/storage/pools/[pool] POST": {
    rule: need("storage.manage", "host"),
    target: "host",
    call: async (t) => ({
      params: { id: t.hostId, pool: await managedPoolFor(t) },
      body: { action: "autostart", autostart: true },
    }),
  },
  "hosts/[id]/storage/pools/[pool] DELETE": {
    rule: need("storage.manage", "host"),
    target: "host",
    call: async (t) => ({ params: { id: t.hostId, pool: await managedPoolFor(t) } }),
  },
  "hosts/[id]/storage/pools/[pool]/delete-data POST": {
    rule: need("storage.manage", "host"),
    target: "host",
    call: async (t) => {
      const name = await managedPoolFor(t);
      return { params: { id: t.hostId, pool: name }, body: { confirm: name } };
    },
  },
  "hosts/[id]/storage/pools/[pool]/volumes GET": {
    rule: need("host.view", "host"),
    target: "host",
    call: (t) => ({ params: { id: t.hostId, pool: pool.name } }),
  },
  // No multipart body: allowed callers get 4xx from the handler, nothing is written.
  "hosts/[id]/storage/upload POST": {
    rule: need("storage.manage", "host"),
    target: "host",
    call: (t) => ({ params: hostP(t), query: `pool=${pool.name}&name=matrix-${rnd()}.iso&format=iso&size=1` }),
    ok: { status: 415, code: "unsupported_media_type", why: "not a multipart upload" },
  },
  "hosts/[id]/storage/volumes POST": {
    rule: need("storage.manage", "host"),
    target: "host",
    pool: true,
    call: (t) => ({
      params: hostP(t),
      body: { pool: pool.name, name: `vdtest-matrix-${rnd()}.qcow2`, format: "qcow2", capacityBytes: 1024 * 1024 },
    }),
  },
  "hosts/[id]/storage/volumes/resize POST": {
    rule: need("storage.manage", "host"),
    target: "host",
    pool: true,
    call: async (t) => ({
      params: hostP(t),
      body: { pool: pool.name, name: await volumeFor(t), capacityBytes: 2 * 1024 * 1024 },
    }),
  },
  // Queues a clone task (the worker may or may not run it; the copy is in the matrix pool either way).
  "hosts/[id]/storage/volumes/clone POST": {
    rule: need("storage.manage", "host"),
    target: "host",
    pool: true,
    call: async (t) => ({
      params: hostP(t),
      body: { pool: pool.name, name: await volumeFor(t), newName: `vdtest-matrix-${rnd()}.qcow2` },
    }),
  },
  // Reads a volume's bytes: storage.manage, like every other volume route (not host.view).
  "hosts/[id]/storage/volumes/download GET": {
    rule: need("storage.manage", "host"),
    target: "host",
    stream: true,
    call: async (t) => ({ params: hostP(t), query: `pool=${pool.name}&name=${await volumeFor(t)}` }),
  },
  "hosts/[id]/storage/volumes/delete POST": {
    rule: need("storage.manage", "host"),
    target: "host",
    pool: true,
    call: async (t) => ({ params: hostP(t), body: { pool: pool.name, name: await volumeFor(t) } }),
  },
  "networks GET": { rule: self, target: "none", call: () => ({}) },
  "openapi.json GET": { rule: pub, target: "none", call: () => ({}) },
  "preferences/locale POST": { rule: pub, target: "none", call: () => ({ body: { locale: "en" } }) },
  "roles GET": { rule: admin_, target: "none", call: () => ({}) },
  "roles POST": {
    rule: admin_,
    target: "none",
    call: () => ({ body: { name: `matrix-${rnd()}`, privileges: ["vm.view"] } }),
  },
  "roles/[id] PATCH": {
    rule: admin_,
    target: "none",
    call: () => ({ params: { id: fixtureRoleId }, body: { description: `matrix ${rnd()}` } }),
  },
  "roles/[id] DELETE": {
    rule: admin_,
    target: "none",
    call: async () => {
      const manage = await import("@/lib/authz/roles");
      return {
        params: {
          id: (
            await manage.roleCreate(callerOf(await adminPrincipal(), CALLER_IP), {
              name: `matrix-${rnd()}`,
              description: "",
              privileges: ["vm.view"],
            })
          ).id,
        },
      };
    },
  },
  "security/policy GET": { rule: admin_, target: "none", call: () => ({}) },
  "security/policy PUT": {
    rule: admin_,
    target: "none",
    call: async () => {
      const p = await (await import("@/lib/auth/security-policy")).securityPolicyGet();
      return {
        body: {
          totpRequiredRoles: p.totpRequiredRoles,
          apiTokenMaxDays: p.apiTokenMaxDays,
          shareLinkMaxHours: p.shareLinkMaxHours,
        },
      };
    },
  },
  "setup POST": {
    rule: pub,
    target: "none",
    call: () => ({ body: { username: "late.admin", password: "late admin password" } }),
    ok: { status: 409, code: "setup_done", why: "first admin exists" },
  },
  // The link is the credential; the share-link block below checks what its tickets reach.
  "share/[token]/ticket POST": {
    rule: pub,
    target: "none",
    call: () => ({ params: { token: shareFixtureToken }, body: {} }),
  },
  // Someone else's link (the admin's): only global user.manage may revoke it; others 404.
  "share-links/[id] DELETE": {
    rule: { kind: "share-link-revoke" },
    target: "vm",
    call: async (t) => ({ params: { id: await shareLinkOn(t) } }),
  },
  "tags GET": { rule: admin_, target: "none", call: () => ({}) },
  "tokens GET": { rule: self, target: "none", call: () => ({}) },
  "tokens POST": {
    rule: selfSession,
    target: "none",
    call: () => ({ body: { name: `matrix ${rnd()}`, expiresInDays: 1, privileges: ["vm.view"] } }),
  },
  // The caller's own token.
  "tokens/[id] DELETE": {
    rule: selfSession,
    target: "none",
    call: async (_t, who) => {
      const tokens = await import("@/lib/auth/api-tokens");
      const { principalFromSession } = await import("@/lib/authz");
      const own = await tokens.apiTokenCreate(callerOf(principalFromSession(who.session), CALLER_IP), {
        name: `own ${rnd()}`,
        expiresInDays: 1,
        privileges: ["vm.view"],
      });
      return { params: { id: own.view.id } };
    },
  },
  "tasks GET": { rule: self, target: "none", call: () => ({}) },
  // The caller's own task (another user's: the ownership block).
  "tasks/[id] GET": {
    rule: self,
    target: "none",
    call: async (_t, who) => ({ params: { id: await taskOf(who.session) } }),
  },
  "tasks/[id]/cancel POST": {
    rule: self,
    target: "none",
    call: async (_t, who) => ({ params: { id: await taskOf(who.session) } }),
  },
  "tasks/stream GET": { rule: self, target: "none", call: () => ({}), stream: true },
  "templates GET": { rule: need("template.use", "anywhere"), target: "none", call: () => ({}) },
  // A template bound to a host is managed at that host; one without a host needs global template.manage.
  "templates POST": {
    rule: need("template.manage", "host"),
    target: "template",
    call: (t) => ({ body: templateBody(t.hostId) }),
  },
  "templates POST #global": {
    rule: need("template.manage", "global"),
    target: "none",
    call: () => ({ body: templateBody(null) }),
  },
  "templates/[id] GET": {
    rule: need("template.use", "anywhere"),
    target: "none",
    call: () => ({ params: { id: fixtureTemplateId } }),
  },
  "templates/[id] PUT": {
    rule: need("template.manage", "host"),
    target: "template",
    call: async (t) => ({ params: { id: await templateFor(t.hostId) }, body: templateBody(t.hostId) }),
  },
  "templates/[id] PUT #global": {
    rule: need("template.manage", "global"),
    target: "none",
    call: async () => ({ params: { id: await templateFor(null) }, body: templateBody(null) }),
  },
  "templates/[id] DELETE": {
    rule: need("template.manage", "host"),
    target: "template",
    call: async (t) => ({ params: { id: await templateFor(t.hostId) } }),
  },
  "templates/[id] DELETE #global": {
    rule: need("template.manage", "global"),
    target: "none",
    call: async () => ({ params: { id: await templateFor(null) } }),
  },
  "templates/[id]/duplicate POST": {
    rule: need("template.manage", "host"),
    target: "template",
    call: async (t) => ({ params: { id: await templateFor(t.hostId) } }),
  },
  "templates/[id]/copies GET": {
    rule: need("template.use", "anywhere"),
    target: "none",
    call: () => ({ params: { id: fixtureTemplateId } }),
  },
  // Copying a template's base image: template.manage where the template is bound and vm.create on the
  // destination (here the same host); passes authorization, then: the template has no base image.
  "templates/[id]/copies POST": {
    rule: need("template.manage", "host", [{ priv: "vm.create", at: "host" }]),
    target: "template",
    call: async (t) => ({ params: { id: await templateFor(t.hostId) }, body: { hostId: t.hostId, pool: pool.name } }),
    ok: { status: 422, code: "invalid_input", why: "the template has no base image" },
  },
  "users GET": { rule: admin_, target: "none", call: () => ({}) },
  "users POST": {
    rule: admin_,
    target: "none",
    call: () => ({ body: { username: `m-new-${rnd()}`, role: "helpdesk", password: "a long enough password 1" } }),
  },
  "users/[id] GET": { rule: admin_, target: "none", call: () => ({ params: { id: sinkUserId } }) },
  "users/[id] PATCH": {
    rule: admin_,
    target: "none",
    call: () => ({ params: { id: sinkUserId }, body: { displayName: `sink ${rnd()}` } }),
  },
  "users/[id] DELETE": { rule: admin_, target: "none", call: async () => ({ params: { id: await userFor() } }) },
  "users/[id]/access GET": { rule: admin_, target: "none", call: () => ({ params: { id: sinkUserId } }) },
  "users/[id]/password POST": {
    rule: admin_,
    target: "none",
    call: () => ({ params: { id: sinkUserId }, body: { password: "long enough password 1" } }),
  },
  "users/[id]/quota GET": { rule: admin_, target: "none", call: () => ({ params: { id: sinkUserId } }) },
  "users/[id]/quota PUT": {
    rule: admin_,
    target: "none",
    call: () => ({
      params: { id: sinkUserId },
      body: { maxVms: null, maxVcpus: null, maxMemoryMiB: null, maxDiskGiB: null },
    }),
  },
  "users/[id]/totp DELETE": {
    rule: admin_,
    target: "none",
    call: () => ({ params: { id: sinkUserId } }),
    ok: { status: 409, code: "conflict", why: "the user has no two-factor" },
  },
  "vms GET": { rule: self, target: "none", call: () => ({}) },
  // Deploying a template needs template.use there too; passes authorization, then: no such template.
  "vms/create POST": {
    rule: need("vm.create", "host", [{ priv: "template.use", at: "host" }]),
    target: "host",
    call: (t) => ({
      body: { mode: "template", hostId: t.hostId, name: `vdtest-matrix-${rnd()}`, templateId: randomUUID() },
    }),
    ok: { status: 404, code: "not_found", why: "no such template" },
  },
  // Importing an existing volume as a disk also needs storage.manage there; then: no such volume.
  "vms/create POST #import": {
    rule: need("vm.create", "host", [{ priv: "storage.manage", at: "host" }]),
    target: "host",
    call: (t) => ({
      body: {
        mode: "import",
        hostId: t.hostId,
        name: `vdtest-matrix-${rnd()}`,
        disk: { pool: pool.name, volume: `vdtest-matrix-none-${rnd()}.qcow2` },
        hardware: { vcpus: 1, memoryMiB: 64, maxMemoryMiB: 64 },
        start: false,
      },
    }),
    ok: { status: 422, code: "invalid_input", why: "no such volume" },
  },
  "vms/[hostId]/[uuid] GET": { rule: need("vm.view", "vm"), target: "vm", call: (t) => ({ params: vmP(t) }) },
  "vms/[hostId]/[uuid]/addresses GET": {
    rule: need("vm.view", "vm"),
    target: "vm",
    call: (t) => ({ params: vmP(t) }),
  },
  // Access administration: refused as a whole (403) before the VM is looked at.
  "vms/[hostId]/[uuid]/access GET": { rule: admin_, target: "vm", refusal: 403, call: (t) => ({ params: vmP(t) }) },
  // resume on a running guest: nothing changes.
  "vms/[hostId]/[uuid]/actions POST": {
    rule: need("vm.power", "vm"),
    target: "vm",
    call: (t) => ({ params: vmP(t), body: { action: "resume" } }),
    ok: { status: 409, code: "invalid_state", why: "already running" },
  },
  // A clone needs vm.create on the destination (its own host) too; VM A runs: refused after authorization.
  "vms/[hostId]/[uuid]/clone POST": {
    rule: need("vm.clone", "vm", [{ priv: "vm.create", at: "host" }]),
    target: "vm",
    call: (t) => ({ params: vmP(t), body: { name: `vdtest-matrix-${rnd()}`, mode: "full" } }),
    ok: { status: 409, code: "invalid_state", why: "the source runs" },
  },
  // Migration needs vm.create on the destination; the destination named here is the VM's own host,
  // so an authorized caller is refused after authorization with 422 naming destHostId.
  "vms/[hostId]/[uuid]/migrate GET": {
    rule: need("vm.migrate", "vm", [{ priv: "vm.create", at: "host" }]),
    target: "vm",
    call: (t) => ({ params: vmP(t), query: `destHostId=${t.hostId}` }),
    ok: { status: 422, code: "invalid_input", why: "the destination is the source" },
  },
  "vms/[hostId]/[uuid]/migrate POST": {
    rule: need("vm.migrate", "vm", [{ priv: "vm.create", at: "host" }]),
    target: "vm",
    call: (t) => ({ params: vmP(t), body: { destHostId: t.hostId } }),
    ok: { status: 422, code: "invalid_input", why: "the destination is the source" },
  },
  // The record it creates is bound to the VM's host: template.manage there.
  "vms/[hostId]/[uuid]/to-template POST": {
    rule: need("template.manage", "host"),
    target: "vm",
    call: (t) => ({ params: vmP(t), body: { templateName: `matrix-${rnd()}` } }),
    ok: { status: 409, code: "invalid_state", why: "the VM runs" },
  },
  "vms/[hostId]/[uuid]/unmark-template POST": {
    rule: need("template.manage", "vm"),
    target: "vm",
    call: (t) => ({ params: vmP(t) }),
    ok: { status: 409, code: "conflict", why: "not a template" },
  },
  "vms/[hostId]/[uuid]/delete GET": { rule: need("vm.delete", "vm"), target: "vm", call: (t) => ({ params: vmP(t) }) },
  "vms/[hostId]/[uuid]/delete POST": {
    rule: need("vm.delete", "vm"),
    target: "vm",
    call: (t) => ({ params: vmP(t), body: { volumes: "not a list" } }),
    ok: { status: 422, code: "invalid_input", why: "invalid body" },
  },
  "vms/[hostId]/[uuid]/hardware GET": { rule: need("vm.view", "vm"), target: "vm", call: (t) => ({ params: vmP(t) }) },
  "vms/[hostId]/[uuid]/hardware PATCH": {
    rule: need("vm.edit", "vm"),
    target: "vm",
    vm: "N",
    call: (t) => ({ params: vmP(t), body: { description: `matrix ${rnd()}` } }),
  },
  // A NIC on a libvirt network: vm.edit. On a host bridge: network.manage at the host too.
  // On a network the host does not have: past the privilege check the edit is refused (422) before the
  // stored definition changes (a NIC there would break the VM's next start), on either host.
  "vms/[hostId]/[uuid]/hardware PATCH #network-nic": {
    rule: need("vm.edit", "vm"),
    target: "vm",
    vm: "N",
    ok: { status: 422, code: "invalid_input", why: "no such network on the host: nothing reaches the definition" },
    call: (t) => ({ params: vmP(t), body: { addNic: { kind: "network", source: `${MATRIX_NET}-none` } } }),
  },
  "vms/[hostId]/[uuid]/hardware PATCH #bridge-nic": {
    rule: need("vm.edit", "vm", [{ priv: "network.manage", at: "host" }]),
    target: "vm",
    vm: "N",
    call: (t) => ({ params: vmP(t), body: { addNic: { kind: "bridge", source: "vdmatrixbr0" } } }),
  },
  // Snapshots: the tree with vm.view; every change vm.snapshot on the VM. Harmless calls: a body the
  // schema refuses, or a snapshot / schedule that does not exist (answered after authorization).
  "vms/[hostId]/[uuid]/snapshots GET": { rule: need("vm.view", "vm"), target: "vm", call: (t) => ({ params: vmP(t) }) },
  "vms/[hostId]/[uuid]/snapshots POST": {
    rule: need("vm.snapshot", "vm"),
    target: "vm",
    call: (t) => ({ params: vmP(t), body: { name: "matrix", kind: "both" } }),
    ok: { status: 422, code: "invalid_input", why: "invalid body" },
  },
  "vms/[hostId]/[uuid]/snapshots/[name] PATCH": {
    rule: need("vm.snapshot", "vm"),
    target: "vm",
    call: (t) => ({ params: { ...vmP(t), name: `vdtest-matrix-${rnd()}` }, body: { description: "x" } }),
    ok: { status: 404, code: "not_found", why: "no such snapshot" },
  },
  "vms/[hostId]/[uuid]/snapshots/[name] DELETE": {
    rule: need("vm.snapshot", "vm"),
    target: "vm",
    call: (t) => ({ params: { ...vmP(t), name: `vdtest-matrix-${rnd()}` }, query: "mode=leaf" }),
    ok: { status: 404, code: "not_found", why: "no such snapshot" },
  },
  "vms/[hostId]/[uuid]/snapshots/[name]/revert POST": {
    rule: need("vm.snapshot", "vm"),
    target: "vm",
    call: (t) => ({ params: { ...vmP(t), name: `vdtest-matrix-${rnd()}` }, body: { after: "running" } }),
    ok: { status: 404, code: "not_found", why: "no such snapshot" },
  },
  "vms/[hostId]/[uuid]/snapshot-schedules GET": {
    rule: need("vm.view", "vm"),
    target: "vm",
    call: (t) => ({ params: vmP(t) }),
  },
  "vms/[hostId]/[uuid]/snapshot-schedules POST": {
    rule: need("vm.snapshot", "vm"),
    target: "vm",
    call: (t) => ({ params: vmP(t), body: { every: { mode: "hours", hours: 4 }, keep: 0 } }),
    ok: { status: 422, code: "invalid_input", why: "retention of 0" },
  },
  "vms/[hostId]/[uuid]/snapshot-schedules/[id] DELETE": {
    rule: need("vm.snapshot", "vm"),
    target: "vm",
    call: (t) => ({ params: { ...vmP(t), id: randomUUID() } }),
    ok: { status: 404, code: "not_found", why: "no such schedule" },
  },
  "vms/[hostId]/[uuid]/console GET": { rule: need("vm.view", "vm"), target: "vm", call: (t) => ({ params: vmP(t) }) },
  "vms/[hostId]/[uuid]/console POST": {
    rule: need("vm.console", "vm"),
    target: "vm",
    call: (t) => ({ params: vmP(t), body: { kind: "vnc", mode: "view" } }),
  },
  // The matrix guests have no SPICE display (the CONNECT block uses one that has).
  "vms/[hostId]/[uuid]/console/vv POST": {
    rule: need("vm.console", "vm", [], true),
    target: "vm",
    call: (t) => ({ params: vmP(t) }),
    ok: { status: 409, code: "invalid_state", why: "no SPICE display" },
  },
  // A screenshot shows what the console shows.
  "vms/[hostId]/[uuid]/screenshot GET": {
    rule: need("vm.console", "vm"),
    target: "vm",
    call: (t) => ({ params: vmP(t) }),
  },
  "vms/[hostId]/[uuid]/share-links GET": {
    rule: need("vm.console", "vm"),
    target: "vm",
    call: (t) => ({ params: vmP(t) }),
  },
  "vms/[hostId]/[uuid]/share-links POST": {
    rule: need("vm.console", "vm"),
    target: "vm",
    call: (t) => ({ params: vmP(t), body: { kind: "vnc", expiresInMinutes: 5, viewOnly: true } }),
  },
  "vms/[hostId]/[uuid]/backup-jobs POST": {
    rule: need("backup.manage", "vm"),
    target: "vm",
    call: async (t) => ({ params: vmP(t), body: { name: `matrix-${rnd()}`, repositoryId: await repositoryFor(t) } }),
  },
  "vms/[hostId]/[uuid]/backup-jobs/[jobId] DELETE": {
    rule: need("backup.manage", "vm"),
    target: "vm",
    call: async (t) => ({ params: { ...vmP(t), jobId: await backupJobFor(t) } }),
  },
  "vms/[hostId]/[uuid]/backup-jobs/[jobId]/run POST": {
    rule: need("backup.manage", "vm"),
    target: "vm",
    call: async (t) => ({ params: { ...vmP(t), jobId: await backupJobFor(t) } }),
  },
  "vms/[hostId]/[uuid]/backups GET": {
    rule: need("backup.restore", "vm"),
    target: "vm",
    call: (t) => ({ params: vmP(t) }),
  },
  "vms/[hostId]/[uuid]/backups POST": {
    rule: need("backup.manage", "vm"),
    target: "vm",
    call: async (t) => ({ params: vmP(t), body: { repositoryId: await repositoryFor(t) } }),
  },
  "vms/[hostId]/[uuid]/backups/[pointId]/restore POST": {
    rule: need("backup.restore", "vm", [{ priv: "vm.create", at: "host" }]),
    target: "vm",
    call: async (t) => ({
      params: { ...vmP(t), pointId: await backupPointFor(t) },
      body: { hostId: t.hostId, name: `matrix-${rnd()}`, pool: pool.name },
    }),
  },
  "vms/[hostId]/[uuid]/backups/[pointId]/verify POST": {
    rule: need("backup.manage", "vm"),
    target: "vm",
    call: async (t) => ({ params: { ...vmP(t), pointId: await backupPointFor(t) } }),
  },
  "vms/[hostId]/[uuid]/tags GET": { rule: need("vm.view", "vm"), target: "vm", call: (t) => ({ params: vmP(t) }) },
  // A tag is a grant selector: changing tags is access control.
  "vms/[hostId]/[uuid]/tags PUT": { rule: admin_, target: "vm", call: (t) => ({ params: vmP(t), body: { tags: [] } }) },
};

// ─── Principals ───────────────────────────────────────────────────────────────────────────────────

interface Who {
  label: string;
  role: string;
  where: "global" | "host" | "vm";
  userId: string;
  session: import("@/lib/auth/session").ActiveSession;
  cookie: { token: string; csrf: string };
  /** Set for API-token principals: the token's privileges (and the bearer secret). */
  token?: { secret: string; privileges: Priv[] };
}

type Place = "global" | "anywhere" | "host1" | "host2" | "vmA" | "vmN" | "vmC";

/** May `who` use `priv` at `place`? The rules of grants, stated independently of lib/authz. */
function holds(who: Who, priv: Priv, place: Place): boolean {
  if (who.token && !who.token.privileges.includes(priv)) return false;
  if (!ROLE_PRIVILEGES[who.role].includes(priv)) return false;
  if (who.where === "global") return true;
  const onHost1 = place === "host1" || place === "vmA" || place === "vmN";
  if (who.where === "host") return onHost1 || (place === "anywhere" && !INSTANCE_WIDE.has(priv));
  // A VM grant covers that VM (A, and N for the edits), never its host; "anywhere" counts its vm.* privileges.
  return place === "vmA" || place === "vmN" || (place === "anywhere" && priv.startsWith("vm.") && priv !== "vm.create");
}

function placeOf(row: Row, at: At, inScope: boolean): Place {
  if (at === "global" || at === "anywhere") return at;
  if (at === "host") return inScope ? "host1" : "host2";
  return inScope ? (row.vm === "N" ? "vmN" : "vmA") : "vmC";
}

/** undefined when allowed, else the status the refusal must have, and whether it goes through lib/authz (audited). */
function expectation(row: Row, who: Who, inScope: boolean): { status: number; audited: boolean } | undefined {
  const r = row.rule;
  if (r.kind === "public") return undefined;
  if ((r.kind === "self" || r.kind === "needs") && r.session && who.token) return { status: 403, audited: false };
  if (r.kind === "self") return undefined;
  if (r.kind === "share-link-revoke")
    return holds(who, "user.manage", "global") ? undefined : { status: 404, audited: false };
  if (r.needs.every((n) => holds(who, n.priv, placeOf(row, n.at, inScope)))) return undefined;
  if (row.refusal) return { status: row.refusal, audited: true };
  if (row.target === "vm")
    return { status: holds(who, "vm.view", placeOf(row, "vm", inScope)) ? 403 : 404, audited: true };
  // Templates: refused outright (403) to a caller who manages templates nowhere; else as their host.
  if (row.target === "template" && !holds(who, "template.manage", "anywhere")) return { status: 403, audited: true };
  if (row.target === "host" || row.target === "template") {
    const h = inScope ? "host1" : "host2";
    return { status: holds(who, "host.view", h) || holds(who, "vm.view", h) ? 403 : 404, audited: true };
  }
  return { status: 403, audited: true };
}

// ─── Calling a route ──────────────────────────────────────────────────────────────────────────────

type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
interface Route {
  key: string;
  file: string;
  method: string;
  handler: Handler;
  row: Row | undefined;
}
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

function routeFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...routeFiles(p));
    else if (name === "route.ts") out.push(p);
  }
  return out.sort();
}

const routes: Route[] = [];
const principals: Who[] = [];
const tokenPrincipals: Who[] = [];
let shareFixtureToken = "";

async function sessionFor(userId: string) {
  const s = await f.mod.session.sessionCreate(userId, { ip: CALLER_IP, userAgent: "vitest" });
  const session = await f.mod.session.sessionLookup(s.token);
  if (!session) throw new Error("no session");
  return { cookie: { token: s.token, csrf: s.csrfToken }, session };
}

interface Answer {
  status: number;
  code: string;
  /** The start of the body, for messages. */
  text: string;
  body: string;
}

async function callRoute(r: Route, who: Who | null, call: Call, opts: { fresh?: boolean } = {}): Promise<Answer> {
  let url = `http://127.0.0.1:3000/api/${r.file}`;
  const params = call.params ?? {};
  for (const [k, v] of Object.entries(params)) url = url.replace(`[${k}]`, encodeURIComponent(v));
  if (call.query) url += `?${call.query}`;
  const headers: Record<string, string> = { "user-agent": "vitest", "x-virtdeck-peer": CALLER_IP };
  if (who?.token) headers.authorization = `Bearer ${who.token.secret}`;
  else if (who) {
    const c = opts.fresh ? (await sessionFor(who.userId)).cookie : who.cookie;
    headers.cookie = `vd_session=${c.token}`;
    headers["x-csrf-token"] = c.csrf;
  }
  if (call.body !== undefined) headers["content-type"] = "application/json";
  const req = new NextRequest(url, {
    method: r.method,
    headers,
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
  });
  const res = await r.handler(req, { params: Promise.resolve(params) });
  let text = "";
  if (r.row?.stream && res.status === 200) await res.body?.cancel().catch(() => {});
  else text = await res.text();
  let code = "";
  try {
    code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? "";
  } catch {
    /* not JSON */
  }
  return { status: res.status, code, text: text.slice(0, 300), body: text };
}

const poolQueues = new Map<string, Promise<void>>();
/** Waits for the host's pool-changing calls before this one; returns the release. */
async function poolLock(hostId: string): Promise<() => void> {
  const prev = poolQueues.get(hostId) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  poolQueues.set(
    hostId,
    prev.then(() => mine),
  );
  await prev;
  return release;
}

const deniedCount = (userId: string) =>
  f.mod.db.db().auditEvent.count({ where: { action: "access.denied", actorId: userId } });

/** Time spent in each route's handler over the whole run (VD_MATRIX_TIMES=1 prints the slowest). */
const routeMs = new Map<string, number>();

/** Runs every row for one principal (sequentially: the access.denied count is per principal); returns the failures. */
async function runMatrix(who: Who): Promise<{ failures: string[]; calls: number }> {
  const failures: string[] = [];
  let calls = 0;
  for (const r of routes) {
    const row = r.row;
    if (!row || row.rule.kind === "public") continue;
    const scopes = row.target === "none" ? [true] : [true, false];
    for (const inScope of scopes) {
      const vm = inScope ? (row.vm === "N" ? vmN : vmA) : vmC;
      const t: Target = { hostId: inScope ? host1.id : host2.id, uuid: vm.uuid, inScope };
      const want = expectation(row, who, inScope);
      const label = `${r.key} as ${who.label}, ${row.target === "none" ? "" : inScope ? "in scope" : "out of scope"}`;
      let ans: Answer;
      let denied = false;
      const release = row.pool ? await poolLock(t.hostId) : () => {};
      try {
        const call = await row.call(t, who);
        // A documented non-2xx answer must not be a refusal in disguise (a hidden target is 404 too).
        const count = want?.audited || (!want && row.ok !== undefined && row.ok !== "2xx");
        const before = count ? await deniedCount(who.userId) : 0;
        const t0 = performance.now();
        ans = await callRoute(r, who, call, { fresh: row.freshSession });
        routeMs.set(r.key, (routeMs.get(r.key) ?? 0) + performance.now() - t0);
        if (count) denied = (await deniedCount(who.userId)) > before;
      } catch (err) {
        failures.push(`${label}: the test's own setup failed: ${String(err)}`);
        continue;
      } finally {
        release();
      }
      calls++;
      if (!want) {
        const ok = row.ok ?? "2xx";
        const good =
          ok === "2xx" ? ans.status >= 200 && ans.status < 300 : ans.status === ok.status && ans.code === ok.code;
        if (!good || denied)
          failures.push(
            `${label}: expected ${ok === "2xx" ? "2xx" : `${ok.status} ${ok.code} (${ok.why})`}, got ${ans.status}${denied ? " with access.denied" : ""} ${ans.text}`,
          );
      } else if (ans.status !== want.status || (want.audited && !denied)) {
        failures.push(
          `${label}: expected refusal ${want.status}${want.audited ? " (audited access.denied)" : ""}, got ${ans.status}${want.audited && !denied ? " without access.denied" : ""} ${ans.text}`,
        );
      }
    }
  }
  return { failures, calls };
}

/** A few principals at a time: enough to overlap database and SSH round trips, few enough for 2 cores. */
async function inBatches<T, R>(items: T[], size: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

// ─── Fixtures ─────────────────────────────────────────────────────────────────────────────────────

/** One API token per privilege, each of its own global admin (access.denied is counted per actor). */
const TOKEN_LIMITS: Priv[] = ["vm.view", "vm.create", "vm.edit", "user.manage", "host.manage"];
let server: Server;
let consolePort = 0;
/** A SPICE guest on host 1 for the HTTP CONNECT (.vv) path. */
const spiceGuest = { name: `vdtest-matrix-spice-${rnd()}`, uuid: randomUUID() };

async function makeUser(
  username: string,
  grants: { roleId: string; scope: "global" | "host" | "vm"; hostId?: string; vmUuid?: string }[],
) {
  const db = f.mod.db.db();
  const u = await db.user.create({ data: { username, passwordHash: "x", role: "helpdesk" } });
  for (const g of grants) await db.grant.create({ data: { userId: u.id, ...g } });
  return u.id;
}

beforeAll(async () => {
  f = await fleetSetup();
  host1 = await f.addHost(stackEnv().host1, { name: "matrix host 1" });
  host2 = await f.addHost(stackEnv().host2, { name: "matrix host 2" });
  pool = testPoolCreate(`vdtest-matrix-${rnd()}-`);
  // The same pool name on host 2 (vdhost2's session libvirt), for the out-of-scope calls.
  const pool2Dir = path.join(lab.diskDir("host2"), "pool");
  mkdirSync(pool2Dir);
  chownSync(
    pool2Dir,
    Number(execFileSync("id", ["-u", stackEnv().host2.username], { encoding: "utf8" })),
    Number(execFileSync("id", ["-g", stackEnv().host2.username], { encoding: "utf8" })),
  );
  virshSync("host2", ["pool-define-as", pool.name, "dir", "--target", pool2Dir]);
  virshSync("host2", ["pool-start", pool.name]);
  vmA = lab.define("host1");
  vmN = lab.define("host1");
  vmC = lab.define("host2");
  virshSync("host1", ["start", vmA.uuid]);
  virshSync("host2", ["start", vmC.uuid]);
  const dir = mkdtempSync("/tmp/vdtest-matrix-");
  writeFileSync(`${dir}/spice.xml`, idleGuestXml({ ...spiceGuest, spice: true, displayPassword: true }));
  virsh("define", `${dir}/spice.xml`);
  virsh("start", "--paused", spiceGuest.uuid);
  await f.mod.inventory.inventoryGet(host1.id, { maxAgeMs: 0 });
  await f.mod.inventory.inventoryGet(host2.id, { maxAgeMs: 0 });

  const registry = await import("@/lib/tasks/registry");
  if (!registry.taskHandlerRegistered("matrix.wait"))
    registry.taskHandlerRegister("matrix.wait", async () => {}, { cancellable: true });

  for (const file of routeFiles(API)) {
    const mod = (await import(file)) as Record<string, unknown>;
    const rel = path.relative(API, path.dirname(file)).split(path.sep).join("/");
    for (const m of METHODS) {
      if (typeof mod[m] !== "function") continue;
      const key = `${rel} ${m}`;
      const variants = Object.keys(ROWS).filter((k) => k === key || k.startsWith(`${key} #`));
      if (!variants.length) routes.push({ key, file: rel, method: m, handler: mod[m] as Handler, row: undefined });
      for (const v of variants) routes.push({ key: v, file: rel, method: m, handler: mod[m] as Handler, row: ROWS[v] });
    }
  }

  sinkUserId = await userFor();
  fixtureGroupId = (await f.mod.db.db().group.create({ data: { name: `matrix-fixture-${rnd()}` } })).id;
  const manage = await import("@/lib/authz/roles");
  fixtureRoleId = (
    await manage.roleCreate(callerOf(await adminPrincipal(), CALLER_IP), {
      name: `matrix-fixture-${rnd()}`,
      description: "",
      privileges: ["vm.view"],
    })
  ).id;
  fixtureTemplateId = await templateFor(host1.id);
  const share = await import("@/lib/consoles/share-links");
  shareFixtureToken = (
    await share.shareLinkCreate(callerOf(await adminPrincipal(), CALLER_IP), host1.id, vmA.uuid, {
      kind: "vnc",
      expiresInMinutes: 30,
      viewOnly: true,
      singleUse: false,
    })
  ).token;

  // Every role three ways: granted globally, on host 1, and on VMs A and N only (accounts hold nothing else).
  await Promise.all(
    ROLES.flatMap((role) =>
      (["global", "host", "vm"] as const).map(async (where) => {
        const grants =
          where === "global"
            ? [{ roleId: role, scope: "global" as const }]
            : where === "host"
              ? [{ roleId: role, scope: "host" as const, hostId: host1.id }]
              : [vmA, vmN].map((g) => ({ roleId: role, scope: "vm" as const, hostId: host1.id, vmUuid: g.uuid }));
        const userId = await makeUser(`m-${role}-${where}`, grants);
        const label = `${role} granted ${where === "global" ? "globally" : where === "host" ? "on host 1" : "on VMs A+N"}`;
        principals.push({ label, role, where, userId, ...(await sessionFor(userId)) });
      }),
    ),
  );
  // Administrators' API tokens limited to one privilege each.
  const apiTokens = await import("@/lib/auth/api-tokens");
  const { principalFromSession } = await import("@/lib/authz");
  for (const priv of TOKEN_LIMITS) {
    const userId = await makeUser(`m-tok-${priv.replace(".", "-")}`, [{ roleId: "admin", scope: "global" }]);
    const s = await sessionFor(userId);
    const minted = await apiTokens.apiTokenCreate(callerOf(principalFromSession(s.session), CALLER_IP), {
      name: `limited ${priv}`,
      expiresInDays: 1,
      privileges: [priv],
    });
    tokenPrincipals.push({
      label: `an admin's API token limited to ${priv}`,
      role: "admin",
      where: "global",
      userId,
      ...s,
      token: { secret: minted.token, privileges: [priv] },
    });
  }

  ({ server, port: consolePort } = await consoleServerStart());
}, 240_000);

afterAll(async () => {
  if (process.env.VD_MATRIX_TIMES)
    console.log(
      [...routeMs]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 30)
        .map(([k, ms]) => `${Math.round(ms)} ms  ${k}`)
        .join("\n"),
    );
  const proxy = await import("@/lib/consoles/proxy");
  proxy.consolesCloseAll();
  if (server) {
    // close() waits for every connection; a kept-alive one would hold it until its own timeout.
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
  guestRemove(spiceGuest.uuid);
  for (const cmd of ["pool-destroy", "pool-undefine"]) {
    try {
      if (pool) virshSync("host2", [cmd, pool.name]);
    } catch {
      /* not there */
    }
  }
  for (const h of ["host1", "host2"] as const)
    for (const name of virshSync(h, ["pool-list", "--all", "--name"]).split("\n")) {
      if (!name.trim().startsWith(MATRIX_POOL)) continue;
      for (const cmd of ["pool-destroy", "pool-delete", "pool-undefine"])
        try {
          virshSync(h, [cmd, name.trim()]);
        } catch {
          /* not active / gone */
        }
    }
  for (const d of readdirSync("/var/tmp"))
    if (d.startsWith(MATRIX_POOL)) rmSync(`/var/tmp/${d}`, { recursive: true, force: true });
  for (const h of ["host1", "host2"] as const)
    for (const name of virshSync(h, ["net-list", "--all", "--name"]).split("\n")) {
      if (!name.trim().startsWith(MATRIX_NET)) continue;
      try {
        virshSync(h, ["net-undefine", name.trim()]);
      } catch {
        /* gone */
      }
    }
  for (const name of readdirSync("/var/tmp").filter((n) => n.startsWith(MATRIX_REPO)))
    execFileSync("rm", ["-rf", "--", path.join("/var/tmp", name)]);
  const problems = await lab.cleanup();
  pool?.cleanup();
  await f?.teardown();
  expect(problems).toEqual([]);
  // The guests, pools, networks and repositories of every row and principal: over 2 minutes at load 10.
}, 300_000);

// ─── The table ────────────────────────────────────────────────────────────────────────────────────

describe("the authorization matrix", () => {
  it("has a row for every route handler in app/api, and no row for a route that is gone", () => {
    expect(routes.length).toBeGreaterThan(90);
    const missing = routes.filter((r) => !r.row).map((r) => r.key);
    expect(missing, "routes without a matrix row: add them to ROWS in this file").toEqual([]);
    const stale = Object.keys(ROWS).filter((k) => !routes.some((r) => r.key === k));
    expect(stale, "matrix rows for routes that no longer exist").toEqual([]);
  });

  it("refuses every non-public route without a session (401), and answers the public ones", async () => {
    const who0: Who = principals[0];
    const failures: string[] = [];
    await inBatches(
      routes.filter((r) => r.row),
      8,
      async (r) => {
        const row = r.row!;
        const call =
          row.rule.kind === "public"
            ? await row.call({ hostId: host1.id, uuid: vmA.uuid, inScope: true }, who0)
            : {
                params: (await Promise.resolve(row.call({ hostId: host1.id, uuid: vmA.uuid, inScope: true }, who0)))
                  .params,
              };
        const ans = await callRoute(r, null, call);
        if (row.rule.kind !== "public") {
          if (ans.status !== 401)
            failures.push(`${r.key} without a session: expected 401, got ${ans.status} ${ans.text}`);
        } else {
          const ok = row.ok ?? "2xx";
          const good =
            ok === "2xx" ? ans.status >= 200 && ans.status < 300 : ans.status === ok.status && ans.code === ok.code;
          if (!good)
            failures.push(
              `${r.key} (public): expected ${ok === "2xx" ? "2xx" : `${ok.status} ${ok.code}`}, got ${ans.status} ${ans.text}`,
            );
        }
      },
    );
    expect(failures).toEqual([]);
  }, 120_000);

  it("allows (with success) or refuses every route for every built-in role, granted globally / on host 1 / on one VM, in and out of scope", async () => {
    const results = await inBatches(principals, 4, runMatrix);
    const failures = results.flatMap((r) => r.failures);
    expect(failures).toEqual([]);
    expect(results.reduce((n, r) => n + r.calls, 0)).toBeGreaterThan(principals.length * 100);
  }, 600_000);

  it("API tokens of an administrator limited to one privilege: allowed only where that privilege suffices", async () => {
    const results = await inBatches(tokenPrincipals, 5, runMatrix);
    const failures = results.flatMap((r) => r.failures);
    expect(failures).toEqual([]);
  }, 600_000);
});

// ─── Principals the table cannot express ──────────────────────────────────────────────────────────

const P = (role: string, where: Who["where"]) => principals.find((p) => p.role === role && p.where === where)!;
const T = (priv: Priv) => tokenPrincipals.find((p) => p.token!.privileges[0] === priv)!;
function route(key: string): Route {
  const r = routes.find((x) => x.key === key);
  if (!r) throw new Error(`no route ${key}`);
  return r;
}
/** A signed-in account of its own with the given grants (for checks that revoke or watch). */
async function accountWith(name: string, grants: Parameters<typeof makeUser>[1]): Promise<Who> {
  const userId = await makeUser(`m-${name}-${rnd()}`, grants);
  return { label: name, role: "helpdesk", where: "vm", userId, ...(await sessionFor(userId)) };
}
async function tokenOf(who: Who, privileges: Priv[]): Promise<Who> {
  const apiTokens = await import("@/lib/auth/api-tokens");
  const { principalFromSession } = await import("@/lib/authz");
  const minted = await apiTokens.apiTokenCreate(callerOf(principalFromSession(who.session), CALLER_IP), {
    name: `t ${rnd()}`,
    expiresInDays: 1,
    privileges,
  });
  return {
    ...who,
    label: `${who.label}'s token (${privileges.join(", ")})`,
    token: { secret: minted.token, privileges },
    tokenId: minted.view.id,
  } as Who & { tokenId: string };
}

/** Reads a Server-Sent Events route as it streams; close() aborts the request. */
async function streamOpen(key: "events GET" | "tasks/stream GET", who: Who) {
  const headers: Record<string, string> = { "user-agent": "vitest", "x-virtdeck-peer": CALLER_IP };
  if (who.token) headers.authorization = `Bearer ${who.token.secret}`;
  else headers.cookie = `vd_session=${who.cookie.token}`;
  const ac = new AbortController();
  const r = route(key);
  const res = await r.handler(new NextRequest(`http://127.0.0.1:3000/api/${r.file}`, { headers, signal: ac.signal }), {
    params: Promise.resolve({}),
  });
  expect(res.status, `${key} as ${who.label}`).toBe(200);
  let text = "";
  const reader = res.body!.getReader();
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += new TextDecoder().decode(value);
      }
    } catch {
      /* aborted */
    }
  })();
  return { text: () => text, close: () => ac.abort() };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The states an SSE text carried for one VM, in order (`event: vm` lines; null: gone). */
function vmStates(text: string, uuid: string): (string | null)[] {
  return [...text.matchAll(/^event: vm\ndata: (.*)$/gm)]
    .map((m) => JSON.parse(m[1]!) as { uuid: string; vm: { state: string } | null })
    .filter((e) => e.uuid === uuid)
    .map((e) => e.vm?.state ?? null);
}

describe("share-link principals", () => {
  it("a view-only link's tickets reach only its VM's console of its kind, stay view-only, and open nothing else", async () => {
    const share = await import("@/lib/consoles/share-links");
    const { principalFromSession } = await import("@/lib/authz");
    const creator = P("helpdesk", "vm");
    const link = await share.shareLinkCreate(
      callerOf(principalFromSession(creator.session), CALLER_IP),
      host1.id,
      vmA.uuid,
      { kind: "vnc", expiresInMinutes: 10, viewOnly: true, singleUse: false },
    );
    const mint = (body: unknown) =>
      callRoute(route("share/[token]/ticket POST"), null, { params: { token: link.token }, body });

    // Asking for an interactive console still gets a view-only VNC ticket for VM A.
    const asked = await mint({ mode: "interactive" });
    expect(asked.status, asked.text).toBe(201);
    const minted = JSON.parse(asked.body) as { ticket: string; viewOnly: boolean; kind: string };
    expect(minted).toMatchObject({ viewOnly: true, kind: "vnc" });
    // No second kind of session through it: an extra channel exists only for SPICE (checked below, with the rest).
    const extra = await mint({ channel: "extra" });

    // The ticket opens VM A's display (no cookie), and input sent through it never reaches the guest.
    const o = await consoleOpen(consolePort, minted.ticket, null);
    await rfbHandshake(o);
    o.send(Buffer.from([4, 1, 0, 0, 0, 0, 0, 0x61])); // KeyEvent down 'a'
    o.send(Buffer.from([5, 1, 0, 10, 0, 10])); // PointerEvent
    await sleep(300);
    o.ws.close(1000);
    await o.closed;
    const db = f.mod.db.db();
    await expect
      .poll(
        async () => (await db.consoleSession.findFirst({ where: { shareLinkId: link.link.id } }))?.endedAt ?? null,
        { timeout: 10_000 },
      )
      .not.toBeNull();
    const row = (await db.consoleSession.findFirst({ where: { shareLinkId: link.link.id } }))!;
    expect({ vm: row.vmUuid, kind: row.kind, viewOnly: row.viewOnly, bytesIn: Number(row.bytesIn) }).toEqual({
      vm: vmA.uuid,
      kind: "vnc",
      viewOnly: true,
      bytesIn: 14,
    });

    // Its tickets are no .vv tickets (HTTP CONNECT), and the link secret is no API credential.
    const { vvHostOf } = await import("@/lib/consoles/vv-file");
    const another = JSON.parse((await mint({})).body) as { ticket: string };
    const tunnel = await connectThrough(consolePort, vvHostOf(another.ticket));
    tunnel.c.sock.destroy();
    const asBearer: Who = {
      ...creator,
      label: "the link secret as a bearer token",
      token: { secret: link.token, privileges: [] },
    };
    const api: Record<string, number> = {};
    for (const key of ["vms GET", "vms/[hostId]/[uuid] GET", "vms/[hostId]/[uuid]/console POST"]) {
      api[key] = (
        await callRoute(route(key), asBearer, {
          params: { hostId: host1.id, uuid: vmA.uuid },
          body: key.endsWith("POST") ? { kind: "vnc", mode: "view" } : undefined,
        })
      ).status;
    }
    // A link whose creator lost vm.console mints nothing.
    const other = await accountWith("sharer", [
      { roleId: "helpdesk", scope: "vm", hostId: host1.id, vmUuid: vmA.uuid },
    ]);
    const gone = await share.shareLinkCreate(
      callerOf(principalFromSession(other.session), CALLER_IP),
      host1.id,
      vmA.uuid,
      { kind: "vnc", expiresInMinutes: 10, viewOnly: true, singleUse: false },
    );
    await db.grant.deleteMany({ where: { userId: other.userId } });
    const creatorLost = (
      await callRoute(route("share/[token]/ticket POST"), null, { params: { token: gone.token }, body: {} })
    ).status;
    expect({ extraChannel: extra.status, connect: tunnel.status, api, creatorLost }, extra.text).toEqual({
      extraChannel: 400,
      connect: 403,
      api: { "vms GET": 401, "vms/[hostId]/[uuid] GET": 401, "vms/[hostId]/[uuid]/console POST": 401 },
      creatorLost: 403,
    });
  }, 60_000);

  it("a single-use interactive link mints no second interactive session while its first is open", async () => {
    const share = await import("@/lib/consoles/share-links");
    const link = await share.shareLinkCreate(callerOf(await adminPrincipal(), CALLER_IP), host1.id, vmA.uuid, {
      kind: "vnc",
      expiresInMinutes: 10,
      viewOnly: false,
      singleUse: true,
    });
    const mint = (body: unknown) =>
      callRoute(route("share/[token]/ticket POST"), null, { params: { token: link.token }, body });
    const first = await mint({});
    expect(first.status).toBe(201);
    const o = await consoleOpen(consolePort, (JSON.parse(first.body) as { ticket: string }).ticket, null);
    await rfbHandshake(o);
    const again = await mint({});
    const extra = await mint({ channel: "extra" });
    o.ws.close(1000);
    await o.closed;
    expect([again.status, extra.status], `${again.text} / ${extra.text}`).toEqual([403, 400]);
  }, 60_000);
});

describe("/ws/console and HTTP CONNECT", () => {
  it("opens a console only with the caller's own ticket, for a VM the caller may console", async () => {
    const tickets = await import("@/lib/consoles/tickets");
    const helpdesk = P("helpdesk", "vm");
    const mint = (who: Who, g: Guest = vmA, hostId = host1.id) =>
      tickets
        .consoleTicketMint(sessionCaller(who.session), hostId, g.uuid, { kind: "vnc", mode: "view", channel: "main" })
        .then((m) => m.ticket);
    const o = await consoleOpen(consolePort, await mint(helpdesk), helpdesk.cookie.token);
    await rfbHandshake(o);
    o.ws.close(1000);
    await o.closed;
    const refused = async (ticket: string, cookie: string | null) =>
      consoleRefusedStatus(consoleOpen(consolePort, ticket, cookie));
    const used = await mint(helpdesk);
    await refused(used, helpdesk.cookie.token);
    expect({
      // One user's ticket in another user's session (both may console VM A).
      otherSession: await refused(await mint(helpdesk), P("operator", "host").cookie.token),
      noCookie: await refused(await mint(helpdesk), null),
      used: await refused(used, helpdesk.cookie.token),
      // Tickets minted past the route (as a bug would) for a VM the session may not console: refused at the socket.
      viewOnlyUser: await refused(await mint(P("viewer", "vm")), P("viewer", "vm").cookie.token),
      otherHostVm: await refused(await mint(helpdesk, vmC, host2.id), helpdesk.cookie.token),
      // A ticket of a user whose grant went away since.
      revoked: await (async () => {
        const who = await accountWith("revoked", [
          { roleId: "helpdesk", scope: "vm", hostId: host1.id, vmUuid: vmA.uuid },
        ]);
        const t = await mint(who);
        await f.mod.db.db().grant.deleteMany({ where: { userId: who.userId } });
        return refused(t, who.cookie.token);
      })(),
    }).toEqual({ otherSession: 403, noCookie: 401, used: 403, viewOnlyUser: 403, otherHostVm: 403, revoked: 403 });
  }, 60_000);

  it("tunnels HTTP CONNECT (.vv) only for a live session that may console the VM; other tickets are refused", async () => {
    const tickets = await import("@/lib/consoles/tickets");
    const { vvHostOf } = await import("@/lib/consoles/vv-file");
    const origin = `http://127.0.0.1:${consolePort}`;
    const hostOf = (body: string) => /^host=(.*)$/m.exec(body)![1];
    const consoler = await accountWith("spice", [
      { roleId: "helpdesk", scope: "vm", hostId: host1.id, vmUuid: spiceGuest.uuid },
    ]);
    const viewer = await accountWith("spice-viewer", [
      { roleId: "viewer", scope: "vm", hostId: host1.id, vmUuid: spiceGuest.uuid },
    ]);
    const status = async (hostPart: string) => {
      const t = await connectThrough(consolePort, hostPart);
      t.c.sock.destroy();
      return t.status;
    };
    // Minted before any tunnel opens (a SPICE display has one holder at a time).
    const forViewer = (await tickets.consoleVvCreate(sessionCaller(viewer.session), host1.id, spiceGuest.uuid, origin))
      .body;
    const good = (await tickets.consoleVvCreate(sessionCaller(consoler.session), host1.id, spiceGuest.uuid, origin))
      .body;
    const late = (await tickets.consoleVvCreate(sessionCaller(consoler.session), host1.id, spiceGuest.uuid, origin))
      .body;
    const ws = (
      await tickets.consoleTicketMint(sessionCaller(consoler.session), host1.id, spiceGuest.uuid, {
        kind: "spice",
        mode: "interactive",
        channel: "main",
      })
    ).ticket;
    const viewOnlyUser = await status(hostOf(forViewer));
    const wsTicket = await status(vvHostOf(ws));
    const ok = await status(hostOf(good));
    await f.mod.db.db().grant.deleteMany({ where: { userId: consoler.userId } });
    const revoked = await status(hostOf(late));
    const hostRoute = await status(`${host1.id}`);
    expect({ ok, viewOnlyUser, wsTicket, revoked, hostRoute }).toEqual({
      ok: 200,
      viewOnlyUser: 403,
      wsTicket: 403,
      revoked: 403,
      hostRoute: 403,
    });
  }, 60_000);
});

describe("what the SSE streams deliver", () => {
  it("/api/events delivers only events of VMs the caller may view, and nothing more once its token is revoked", async () => {
    const seen = lab.define("host1");
    const hidden = lab.define("host1");
    for (const g of [seen, hidden]) virshSync("host1", ["start", g.uuid]);
    await f.mod.inventory.inventoryGet(host1.id, { maxAgeMs: 0 });
    const watcher = await accountWith("events", [
      { roleId: "viewer", scope: "vm", hostId: host1.id, vmUuid: seen.uuid },
    ]);
    const viaToken = (await tokenOf(watcher, ["vm.view"])) as Who & { tokenId: string };
    const bySession = await streamOpen("events GET", watcher);
    const byToken = await streamOpen("events GET", viaToken);
    try {
      await sleep(1500);
      virshSync("host1", ["suspend", hidden.uuid]);
      virshSync("host1", ["suspend", seen.uuid]);
      // Its pause, not only its first state (every VM's state goes out once when a host's watcher starts).
      await until(
        "the visible VM's pause on both streams",
        () =>
          vmStates(bySession.text(), seen.uuid).includes("paused") &&
          vmStates(byToken.text(), seen.uuid).includes("paused"),
        { timeoutMs: 15_000 },
      );
      virshSync("host1", ["resume", hidden.uuid]);
      await sleep(1000);
      for (const s of [bySession, byToken]) {
        expect(s.text()).not.toContain(hidden.uuid);
        expect(s.text()).not.toContain(hidden.name);
      }
      // The token is revoked: its open stream carries nothing more.
      await (
        await import("@/lib/auth/api-tokens")
      ).apiTokenRevoke(callerOf(await adminPrincipal(), CALLER_IP), viaToken.tokenId);
      await sleep(2500);
      const before = byToken.text().length;
      const beforeSession = bySession.text().length;
      virshSync("host1", ["resume", seen.uuid]);
      await until(
        "the session stream sees the resume",
        () => vmStates(bySession.text().slice(beforeSession), seen.uuid).includes("running"),
        { timeoutMs: 15_000 },
      );
      await sleep(1000);
      expect(byToken.text().slice(before), "events after the token was revoked").not.toContain(seen.uuid);
    } finally {
      bySession.close();
      byToken.close();
    }
  }, 60_000);

  it("/api/tasks/stream delivers the caller's own tasks only, everyone's only with global user.manage after a token's limit", async () => {
    const alice = P("operator", "host");
    const adminSession = P("admin", "global");
    const adminViewToken = T("vm.view");
    const streams = {
      alice: await streamOpen("tasks/stream GET", alice),
      admin: await streamOpen("tasks/stream GET", adminSession),
      adminViewToken: await streamOpen("tasks/stream GET", adminViewToken),
    };
    try {
      await sleep(500);
      const ids = {
        alice: await taskOf(alice.session),
        tokenOwner: await taskOf(adminViewToken.session),
        other: await taskOf(P("viewer", "vm").session),
      };
      await until(
        "each stream's visible tasks",
        () =>
          streams.alice.text().includes(ids.alice) &&
          streams.admin.text().includes(ids.other) &&
          streams.adminViewToken.text().includes(ids.tokenOwner),
        { timeoutMs: 15_000 },
      );
      await sleep(1500);
      expect({
        alice: [ids.tokenOwner, ids.other].filter((id) => streams.alice.text().includes(id)),
        adminViewToken: [ids.alice, ids.other].filter((id) => streams.adminViewToken.text().includes(id)),
        admin: [ids.alice, ids.tokenOwner, ids.other].filter((id) => streams.admin.text().includes(id)).length,
      }).toEqual({ alice: [], adminViewToken: [], admin: 3 });
    } finally {
      for (const s of Object.values(streams)) s.close();
    }
  }, 60_000);
});

describe("objects owned by someone else", () => {
  const status = async (key: string, who: Who, call: Call) => (await callRoute(route(key), who, call)).status;

  it("another user's task: 404 on detail and cancel, unless global user.manage (an admin's vm.view token sees only the admin's own)", async () => {
    const owner = P("helpdesk", "host");
    const adminViewToken = T("vm.view");
    const task = await taskOf(owner.session);
    const another = await taskOf(owner.session);
    const adminsOwn = await taskOf(adminViewToken.session);
    const list = async (who: Who) =>
      JSON.parse((await callRoute(route("tasks GET"), who, {})).body) as
        { tasks?: { id: string }[] } | { id: string }[];
    const ids = (l: Awaited<ReturnType<typeof list>>) => (Array.isArray(l) ? l : (l.tasks ?? [])).map((t) => t.id);
    expect({
      detailByOther: await status("tasks/[id] GET", P("operator", "host"), { params: { id: task } }),
      cancelByOther: await status("tasks/[id]/cancel POST", P("operator", "global"), { params: { id: task } }),
      detailByToken: await status("tasks/[id] GET", adminViewToken, { params: { id: task } }),
      cancelByToken: await status("tasks/[id]/cancel POST", adminViewToken, { params: { id: task } }),
      listedForToken: ids(await list(adminViewToken)).includes(task),
      tokenSeesOwn: ids(await list(adminViewToken)).includes(adminsOwn),
      detailByAdmin: await status("tasks/[id] GET", P("admin", "global"), { params: { id: task } }),
      listedForAdmin: ids(await list(P("admin", "global"))).includes(task),
      cancelByAdmin: await status("tasks/[id]/cancel POST", P("admin", "global"), { params: { id: another } }),
    }).toEqual({
      detailByOther: 404,
      cancelByOther: 404,
      detailByToken: 404,
      cancelByToken: 404,
      listedForToken: false,
      tokenSeesOwn: true,
      detailByAdmin: 200,
      listedForAdmin: true,
      cancelByAdmin: 200,
    });
  });

  it("another user's API token: 404 on delete, and it keeps working; a global user.manage admin revokes it", async () => {
    const owner = P("viewer", "host");
    const t = (await tokenOf(owner, ["vm.view"])) as Who & { tokenId: string };
    const byOther = await status("tokens/[id] DELETE", P("operator", "global"), { params: { id: t.tokenId } });
    const stillWorks = await status("vms GET", t, {});
    const byAdmin = await status("tokens/[id] DELETE", P("admin", "global"), { params: { id: t.tokenId } });
    const afterRevoke = await status("vms GET", t, {});
    expect({ byOther, stillWorks, byAdmin, afterRevoke }).toEqual({
      byOther: 404,
      stillWorks: 200,
      byAdmin: 200,
      afterRevoke: 401,
    });
  });

  it("another user's share link: 404 on delete (even with vm.console there); its creator, unless limited below vm.console, and a global user.manage admin revoke it", async () => {
    const share = await import("@/lib/consoles/share-links");
    const { principalFromSession } = await import("@/lib/authz");
    const creator = await accountWith("creator", [
      { roleId: "helpdesk", scope: "vm", hostId: host1.id, vmUuid: vmA.uuid },
    ]);
    const linkOf = async () =>
      (
        await share.shareLinkCreate(callerOf(principalFromSession(creator.session), CALLER_IP), host1.id, vmA.uuid, {
          kind: "vnc",
          expiresInMinutes: 10,
          viewOnly: true,
          singleUse: false,
        })
      ).link.id;
    const a = await linkOf();
    const b = await linkOf();
    const del = (who: Who, id: string) => status("share-links/[id] DELETE", who, { params: { id } });
    const creatorViewToken = await tokenOf(creator, ["vm.view"]);
    expect({
      viewerOfVm: await del(P("viewer", "vm"), a),
      consolerOfVm: await del(P("operator", "host"), a),
      globalOperator: await del(P("operator", "global"), a),
      creatorsViewToken: await del(creatorViewToken, a),
      creator: await del(creator, a),
      admin: await del(P("admin", "global"), b),
    }).toEqual({
      viewerOfVm: 404,
      consolerOfVm: 404,
      globalOperator: 404,
      creatorsViewToken: 404,
      creator: 200,
      admin: 200,
    });
  });

  it("a template bound to another host: host-scoped template.manage may neither edit nor delete it; one without a host needs global template.manage", async () => {
    const op = P("operator", "host");
    const onHost2 = await templateFor(host2.id);
    const global = await templateFor(null);
    const onHost1 = await templateFor(host1.id);
    expect({
      editOther: await status("templates/[id] PUT", op, { params: { id: onHost2 }, body: templateBody(host2.id) }),
      moveOwnToOther: await status("templates/[id] PUT", op, { params: { id: onHost1 }, body: templateBody(host2.id) }),
      deleteOther: await status("templates/[id] DELETE", op, { params: { id: onHost2 } }),
      editGlobal: await status("templates/[id] PUT", op, { params: { id: global }, body: templateBody(null) }),
      deleteGlobal: await status("templates/[id] DELETE", op, { params: { id: global } }),
      editOwn: await status("templates/[id] PUT", op, { params: { id: onHost1 }, body: templateBody(host1.id) }),
    }).toEqual({
      editOther: 404,
      moveOwnToOther: 404,
      deleteOther: 404,
      editGlobal: 403,
      deleteGlobal: 403,
      editOwn: 200,
    });
  });

  it("a volume on another host: deleting it through a host in scope does not reach it; through its own host: 404", async () => {
    const op = P("operator", "host");
    const name = await volumeFor({ hostId: host2.id, uuid: vmC.uuid, inScope: false });
    const throughHost1 = await callRoute(route("hosts/[id]/storage/volumes/delete POST"), op, {
      params: { id: host1.id },
      body: { pool: pool.name, name },
    });
    const throughHost2 = await status("hosts/[id]/storage/volumes/delete POST", op, {
      params: { id: host2.id },
      body: { pool: pool.name, name },
    });
    const stillThere = virshSync("host2", ["vol-list", pool.name]).includes(name);
    expect({ throughHost1: throughHost1.status, throughHost2, stillThere }, throughHost1.text).toEqual({
      throughHost1: 404,
      throughHost2: 404,
      stillThere: true,
    });
  });
});
