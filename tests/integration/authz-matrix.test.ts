// The authorization matrix, generated from the code: every route handler under app/api (found on
// disk, imported, described by its ROUTE_META) x every built-in role granted globally, on host 1,
// or on one VM of host 1 x a VM/host in and out of that scope. Each call goes through the real
// route handler against the real database and the real test hosts (two libvirts behind sshd),
// and must be allowed, or refused with 403 (or 404 where the caller may not even see the
// target). A route without an entry in ROUTES fails the test: say how to call it.
import { randomBytes, randomUUID } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { fleetSetup, stackEnv, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { GuestLab, virshSync, type Guest } from "./helpers/fleet-guests";

const ROOT = path.resolve(import.meta.dirname, "../..");
const API = path.join(ROOT, "app/api");

// The built-in roles as the product issue defines them (an oracle independent of the code under test).
const ALL = [
  "vm.view", "vm.console", "vm.console.takeover", "vm.power", "vm.edit", "vm.snapshot", "vm.clone", "vm.migrate", "vm.delete", "vm.create",
  "host.view", "host.manage", "template.use", "template.manage", "storage.manage", "network.manage", "user.manage", "audit.view",
];
const ROLE_PRIVILEGES: Record<string, readonly string[]> = {
  admin: ALL,
  operator: ALL.filter((p) => p !== "user.manage" && p !== "audit.view"),
  helpdesk: ["vm.view", "vm.console"],
  viewer: ["vm.view", "host.view"],
};
const ROLES = Object.keys(ROLE_PRIVILEGES);
type Variant = "global" | "host" | "vm";
const VARIANTS: Variant[] = ["global", "host", "vm"];

interface Target {
  hostId: string;
  uuid: string;
}

interface Ctx {
  f: FleetContext;
  /** A throwaway host record (pinned like host 1) for routes that delete their host. */
  scratchHost(): Promise<string>;
}

/** How to call one handler. `target`: what its params name. Calls that pass authorization must be harmless. */
interface Entry {
  target: "vm" | "host" | "none";
  params?: (t: Target, x: Ctx) => Record<string, string> | Promise<Record<string, string>>;
  body?: (t: Target) => unknown;
  query?: string;
  stream?: boolean;
  /** Runs on a fresh session of the caller (logout ends it). */
  freshSession?: boolean;
  /** Host-targeted and destructive: runs against a scratch host (granted like host 1 when in scope). */
  scratch?: boolean;
  /** Names a VM or host, yet deliberately needs its privilege globally (access administration). */
  global?: boolean;
}

const rnd = () => ({ id: randomUUID() });
const vmParams = (t: Target) => ({ hostId: t.hostId, uuid: t.uuid });
const hostParams = (t: Target) => ({ id: t.hostId });

const ROUTES: Record<string, Entry> = {
  "account/password POST": { target: "none", body: () => ({ currentPassword: "not the password", newPassword: "a new password 1" }) },
  "account/totp GET": { target: "none" },
  "account/totp/confirm POST": { target: "none", body: () => ({}) },
  "account/totp/disable POST": { target: "none", body: () => ({}) },
  "account/totp/enrol POST": { target: "none" },
  "account/totp/recovery-codes POST": { target: "none", body: () => ({}) },
  "audit GET": { target: "none" },
  "audit/export GET": { target: "none", stream: true },
  "auth/login POST": { target: "none", body: () => ({}) },
  "auth/login/enrol POST": { target: "none" },
  "auth/login/enrol/confirm POST": { target: "none", body: () => ({}) },
  "auth/login/second-factor POST": { target: "none", body: () => ({}) },
  "auth/logout POST": { target: "none", freshSession: true },
  "auth/me GET": { target: "none" },
  "events GET": { target: "none", stream: true },
  "grants GET": { target: "none" },
  "grants POST": { target: "none", body: () => ({ subject: { kind: "user", id: randomUUID() }, roleId: "viewer", scope: { kind: "global" } }) },
  "grants/[id] DELETE": { target: "none", params: rnd },
  "groups GET": { target: "none" },
  "groups POST": { target: "none", body: () => ({}) },
  "groups/[id] GET": { target: "none", params: rnd },
  "groups/[id] PATCH": { target: "none", params: rnd, body: () => ({ name: "x" }) },
  "groups/[id] DELETE": { target: "none", params: rnd },
  "groups/[id]/members POST": { target: "none", params: rnd, body: () => ({ userId: randomUUID() }) },
  "groups/[id]/quota GET": { target: "none", params: rnd },
  "groups/[id]/quota PUT": { target: "none", params: rnd, body: () => ({ maxVms: null, maxVcpus: null, maxMemoryMiB: null, maxDiskGiB: null }) },
  "groups/[id]/members/[userId] DELETE": { target: "none", params: () => ({ id: randomUUID(), userId: randomUUID() }) },
  "health GET": { target: "none" },
  "hosts GET": { target: "none" },
  "hosts POST": { target: "none", body: () => ({}) },
  "hosts/[id] GET": { target: "host", params: hostParams },
  "hosts/[id] PATCH": { target: "host", params: hostParams, body: () => ({ domainType: "auto" }) },
  "hosts/[id] DELETE": { target: "host", params: hostParams, scratch: true },
  "hosts/[id]/confirm-key POST": { target: "host", params: hostParams, body: () => ({ fingerprint: "SHA256:" + "A".repeat(43) }) },
  "hosts/[id]/info GET": { target: "host", params: hostParams },
  "hosts/[id]/provisioning GET": { target: "host", params: hostParams },
  "hosts/[id]/test POST": { target: "host", params: hostParams },
  "hosts/[id]/storage/isos GET": { target: "host", params: hostParams },
  "hosts/[id]/storage/isos POST": { target: "host", params: hostParams },
  "hosts/[id]/storage/pools GET": { target: "host", params: hostParams },
  "hosts/[id]/storage/pools/[pool]/volumes GET": { target: "host", params: (t) => ({ id: t.hostId, pool: "vdtest-no-such-pool" }) },
  // No file, wrong content type: allowed callers get 4xx from the handler, nothing is written.
  "hosts/[id]/storage/upload POST": { target: "host", params: hostParams, query: "pool=vdtest-no-such-pool&name=x.iso&format=raw&size=1" },
  // Invalid bodies: authorization comes first for path targets, so refusals stay 403/404; allowed callers get 422.
  "hosts/[id]/storage/volumes POST": { target: "host", params: hostParams, body: () => ({}) },
  "hosts/[id]/storage/volumes/delete POST": { target: "host", params: hostParams, body: () => ({}) },
  "openapi.json GET": { target: "none" },
  "preferences/locale POST": { target: "none", body: () => ({ locale: "en" }) },
  "roles GET": { target: "none" },
  "roles POST": { target: "none", body: () => ({}) },
  "roles/[id] PATCH": { target: "none", params: () => ({ id: "viewer" }), body: () => ({ name: "renamed" }) },
  "roles/[id] DELETE": { target: "none", params: () => ({ id: "no-such-role" }) },
  "security/policy GET": { target: "none" },
  "security/policy PUT": { target: "none", body: () => ({ totpRequiredRoles: "not a list" }) },
  "setup POST": { target: "none", body: () => ({}) },
  // Public: the share link is the credential (never reached by the role loops below).
  "share/[token]/ticket POST": { target: "none", params: () => ({ token: "A".repeat(43) }), body: () => ({}) },
  // Revoking needs no privilege (creator or user.manage, decided by the handler): an unknown id is 404 for everyone.
  "share-links/[id] DELETE": { target: "none", params: rnd },
  "tags GET": { target: "none" },
  "tokens GET": { target: "none" },
  "tokens POST": { target: "none", body: () => ({}) },
  "tokens/[id] DELETE": { target: "none", params: rnd },
  "tasks GET": { target: "none" },
  "tasks/[id] GET": { target: "none", params: rnd },
  "tasks/[id]/cancel POST": { target: "none", params: rnd },
  "tasks/stream GET": { target: "none", stream: true },
  "templates GET": { target: "none" },
  "templates POST": { target: "none", body: () => ({}) },
  "templates/[id] GET": { target: "none", params: rnd },
  "templates/[id] PUT": { target: "none", params: rnd, body: () => ({}) },
  "templates/[id] DELETE": { target: "none", params: rnd },
  "templates/[id]/duplicate POST": { target: "none", params: rnd },
  "users GET": { target: "none" },
  "users POST": { target: "none", body: () => ({}) },
  "users/[id] GET": { target: "none", params: rnd },
  "users/[id] PATCH": { target: "none", params: rnd, body: () => ({ displayName: "x" }) },
  "users/[id] DELETE": { target: "none", params: rnd },
  "users/[id]/access GET": { target: "none", params: rnd },
  "users/[id]/password POST": { target: "none", params: rnd, body: () => ({ password: "long enough password 1" }) },
  "users/[id]/quota GET": { target: "none", params: rnd },
  "users/[id]/quota PUT": { target: "none", params: rnd, body: () => ({ maxVms: null, maxVcpus: null, maxMemoryMiB: null, maxDiskGiB: null }) },
  "users/[id]/totp DELETE": { target: "none", params: rnd },
  "vms GET": { target: "none" },
  // Passes authorization for a host in scope, then fails: no such template.
  "vms/create POST": { target: "host", body: (t) => ({ mode: "template", hostId: t.hostId, name: `vdtest-matrix-${randomBytes(3).toString("hex")}`, templateId: randomUUID() }) },
  "vms/[hostId]/[uuid] GET": { target: "vm", params: vmParams },
  "vms/[hostId]/[uuid]/access GET": { target: "vm", params: vmParams, global: true },
  // resume on a running guest: allowed callers get 409 invalid_state, nothing changes.
  "vms/[hostId]/[uuid]/actions POST": { target: "vm", params: vmParams, body: () => ({ action: "resume" }) },
  // Both refuse a running guest (VM A and VM C run): allowed callers get 409, nothing changes.
  "vms/[hostId]/[uuid]/clone POST": { target: "vm", params: vmParams, body: () => ({ name: `vdtest-matrix-${randomBytes(3).toString("hex")}`, mode: "full" }) },
  "vms/[hostId]/[uuid]/to-template POST": { target: "vm", params: vmParams, body: () => ({ templateName: `matrix-${randomBytes(3).toString("hex")}` }) },
  // The matrix guests are not templates: allowed callers get 409, nothing changes.
  "vms/[hostId]/[uuid]/unmark-template POST": { target: "vm", params: vmParams },
  "vms/[hostId]/[uuid]/delete GET": { target: "vm", params: vmParams },
  "vms/[hostId]/[uuid]/delete POST": { target: "vm", params: vmParams, body: () => ({ volumes: "not a list" }) },
  "vms/[hostId]/[uuid]/hardware GET": { target: "vm", params: vmParams },
  "vms/[hostId]/[uuid]/hardware PATCH": { target: "vm", params: vmParams, body: () => ({ vcpus: "many" }) },
  "vms/[hostId]/[uuid]/console GET": { target: "vm", params: vmParams },
  "vms/[hostId]/[uuid]/console POST": { target: "vm", params: vmParams, body: () => ({ kind: "vnc", mode: "view" }) },
  // The matrix guests have no SPICE display: allowed callers get 409 invalid_state.
  "vms/[hostId]/[uuid]/console/vv POST": { target: "vm", params: vmParams },
  "vms/[hostId]/[uuid]/screenshot GET": { target: "vm", params: vmParams },
  "vms/[hostId]/[uuid]/share-links GET": { target: "vm", params: vmParams },
  // Longer than any policy allows: allowed callers get 422, no link is created.
  "vms/[hostId]/[uuid]/share-links POST": { target: "vm", params: vmParams, body: () => ({ kind: "vnc", expiresInMinutes: 10_000_000 }) },
  "vms/[hostId]/[uuid]/tags GET": { target: "vm", params: vmParams },
  "vms/[hostId]/[uuid]/tags PUT": { target: "vm", params: vmParams, body: () => ({ tags: [] }) },
};

/**
 * The privilege each security-relevant route must demand (the spec, not read from the code):
 * a "view-only" grant must never power a VM off, console tickets need vm.console, and so on.
 */
const REQUIRED_PRIVILEGE: Record<string, string> = {
  "vms/[hostId]/[uuid] GET": "vm.view",
  "vms/[hostId]/[uuid]/actions POST": "vm.power",
  "vms/[hostId]/[uuid]/console GET": "vm.view",
  "vms/[hostId]/[uuid]/console POST": "vm.console",
  "vms/[hostId]/[uuid]/console/vv POST": "vm.console",
  "vms/[hostId]/[uuid]/share-links GET": "vm.console",
  "vms/[hostId]/[uuid]/share-links POST": "vm.console",
  "vms/[hostId]/[uuid]/screenshot GET": "vm.view",
  "vms/[hostId]/[uuid]/tags GET": "vm.view",
  "vms/[hostId]/[uuid]/tags PUT": "vm.edit",
  "vms/[hostId]/[uuid]/access GET": "user.manage",
  "vms/[hostId]/[uuid]/clone POST": "vm.clone",
  "vms/[hostId]/[uuid]/delete POST": "vm.delete",
  "vms/[hostId]/[uuid]/hardware PATCH": "vm.edit",
  "vms/[hostId]/[uuid]/unmark-template POST": "template.manage",
  "hosts/[id]/storage/volumes POST": "storage.manage",
  "hosts/[id]/storage/upload POST": "storage.manage",
  "vms/create POST": "vm.create",
  "hosts GET": "host.view",
  "hosts POST": "host.manage",
  "hosts/[id] GET": "host.view",
  "hosts/[id] PATCH": "host.manage",
  "hosts/[id] DELETE": "host.manage",
  "hosts/[id]/confirm-key POST": "host.manage",
  "hosts/[id]/test POST": "host.manage",
  "hosts/[id]/info GET": "host.view",
  "users GET": "user.manage",
  "users POST": "user.manage",
  "users/[id] PATCH": "user.manage",
  "users/[id] DELETE": "user.manage",
  "users/[id]/password POST": "user.manage",
  "groups POST": "user.manage",
  "groups/[id]/members POST": "user.manage",
  "groups/[id]/members/[userId] DELETE": "user.manage",
  "groups/[id]/quota PUT": "user.manage",
  "users/[id]/quota PUT": "user.manage",
  "roles POST": "user.manage",
  "roles/[id] PATCH": "user.manage",
  "grants GET": "user.manage",
  "grants POST": "user.manage",
  "grants/[id] DELETE": "user.manage",
  "audit GET": "audit.view",
  "audit/export GET": "audit.view",
};

/** Routes that are plain functions, not built by publicRoute/userRoute (so they carry no ROUTE_META). */
const UNWRAPPED_PUBLIC = new Set(["health GET"]);

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

type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
interface Route {
  key: string;
  handler: Handler;
  meta: { auth: "public" | "user"; privilege?: string; scope?: "global" | "target" | "anywhere" } | undefined;
  entry: Entry | undefined;
}

interface Principal {
  role: string;
  variant: Variant;
  userId: string;
  username: string;
  token: string;
  csrf: string;
}

/** The issue's rules: may `p` use `privilege` at this target? */
function expectAllowed(r: Route, p: Principal, inScope: boolean): boolean {
  const privilege = r.meta?.privilege;
  if (!privilege) return true;
  const has = ROLE_PRIVILEGES[p.role].includes(privilege);
  if (!has) return false;
  // The spec, not the route's own description: a route naming a VM or host is checked against it.
  const scope = r.entry!.global ? "global" : r.entry!.target !== "none" ? "target" : r.meta!.scope === "anywhere" ? "anywhere" : "global";
  if (p.variant === "global") return true;
  if (scope === "global") return false;
  if (scope === "anywhere") {
    // Held on a host: everything but instance-wide privileges; on a VM: vm.* on existing VMs.
    if (p.variant === "host") return privilege !== "user.manage" && privilege !== "audit.view";
    return privilege.startsWith("vm.") && privilege !== "vm.create";
  }
  if (!inScope) return false;
  if (r.entry!.target === "vm") return true; // host 1 grants and VM-A grants both cover VM A
  return p.variant === "host"; // a VM grant does not cover its host
}

/** 404 when the caller may not even see the target, else 403. */
function expectDeniedStatus(r: Route, p: Principal, inScope: boolean): number {
  if (r.entry!.target === "none" || r.entry!.global) return 403;
  const privs = ROLE_PRIVILEGES[p.role];
  const covers = p.variant === "global" || (inScope && (r.entry!.target === "vm" || p.variant === "host"));
  if (!covers) return 404;
  if (r.entry!.target === "vm") return privs.includes("vm.view") ? 403 : 404;
  return privs.includes("host.view") || privs.includes("vm.view") ? 403 : 404;
}

let f: FleetContext;
const lab = new GuestLab("matrix");
let host1: HostView;
let host2: HostView;
let vmA: Guest;
let vmC: Guest;
let routes: Route[] = [];
const principals: Principal[] = [];
const scratchHosts: string[] = [];

async function session(userId: string) {
  const s = await f.mod.session.sessionCreate(userId, { ip: "127.0.0.9", userAgent: "vitest" });
  return { token: s.token, csrf: s.csrfToken };
}

async function call(r: Route, p: Principal | null, t: Target, x: Ctx): Promise<{ status: number; denied: boolean; text: string }> {
  const [file, method] = r.key.split(" ");
  const entry = r.entry!;
  const params = entry.params ? await entry.params(t, x) : {};
  let url = `http://127.0.0.1:3000/api/${file}`;
  for (const [k, v] of Object.entries(params)) url = url.replace(`[${k}]`, encodeURIComponent(v));
  if (entry.query) url += `?${entry.query}`;
  let creds = p ? { token: p.token, csrf: p.csrf } : null;
  if (p && entry.freshSession) creds = await session(p.userId);
  const headers: Record<string, string> = { "user-agent": "vitest", "x-virtdeck-peer": "127.0.0.9" };
  if (creds) {
    headers.cookie = `vd_session=${creds.token}`;
    headers["x-csrf-token"] = creds.csrf;
  }
  const body = entry.body?.(t);
  if (body !== undefined) headers["content-type"] = "application/json";
  const before = p ? await f.mod.db.db().auditEvent.count({ where: { action: "access.denied", actorId: p.userId } }) : 0;
  const req = new NextRequest(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const res = await r.handler(req, { params: Promise.resolve(params) });
  let text = "";
  if (entry.stream) await res.body?.cancel().catch(() => {});
  else text = await res.text();
  const after = p ? await f.mod.db.db().auditEvent.count({ where: { action: "access.denied", actorId: p.userId } }) : 0;
  return { status: res.status, denied: after > before, text: text.slice(0, 300) };
}

beforeAll(async () => {
  f = await fleetSetup();
  host1 = await f.addHost(stackEnv().host1, { name: "matrix host 1" });
  host2 = await f.addHost(stackEnv().host2, { name: "matrix host 2" });
  vmA = lab.define("host1");
  vmC = lab.define("host2");
  virshSync("host1", ["start", vmA.uuid]);
  virshSync("host2", ["start", vmC.uuid]);
  await f.mod.inventory.inventoryGet(host1.id, { maxAgeMs: 0 });
  await f.mod.inventory.inventoryGet(host2.id, { maxAgeMs: 0 });

  const { routeMeta } = await import("@/lib/http/route");
  for (const file of routeFiles(API)) {
    const mod = (await import(file)) as Record<string, unknown>;
    const rel = path.relative(API, path.dirname(file)).split(path.sep).join("/");
    for (const m of METHODS) {
      if (typeof mod[m] !== "function") continue;
      const key = `${rel} ${m}`;
      routes.push({ key, handler: mod[m] as Handler, meta: routeMeta(mod[m]) as Route["meta"], entry: ROUTES[key] });
    }
  }

  // Every role three ways: granted globally, on host 1, and on VM A only. Accounts are helpdesk (no account-role grant).
  const db = f.mod.db.db();
  for (const role of ROLES) {
    for (const variant of VARIANTS) {
      const username = `m-${role}-${variant}`;
      const u = await db.user.create({ data: { username, passwordHash: "x", role: "helpdesk" } });
      const scope =
        variant === "global" ? { scope: "global" as const } : variant === "host" ? { scope: "host" as const, hostId: host1.id } : { scope: "vm" as const, hostId: host1.id, vmUuid: vmA.uuid };
      await db.grant.create({ data: { userId: u.id, roleId: role, ...scope } });
      principals.push({ role, variant, userId: u.id, username, ...(await session(u.id)) });
    }
  }
}, 240_000);

afterAll(async () => {
  const problems = await lab.cleanup();
  for (const id of scratchHosts) await f?.mod.db.db().host.deleteMany({ where: { id } }).catch(() => {});
  await f?.teardown();
  expect(problems).toEqual([]);
});

describe("the authorization matrix", () => {
  it("has an entry for every route handler in app/api, and every handler is built by publicRoute/userRoute", () => {
    expect(routes.length).toBeGreaterThan(30);
    const missing = routes.filter((r) => !r.entry).map((r) => r.key);
    expect(missing, "routes without a matrix entry: add them to ROUTES in this file").toEqual([]);
    const unwrapped = routes.filter((r) => !r.meta && !UNWRAPPED_PUBLIC.has(r.key)).map((r) => r.key);
    expect(unwrapped, "handlers not built by publicRoute/userRoute").toEqual([]);
    const wrong = Object.entries(REQUIRED_PRIVILEGE)
      .filter(([key, privilege]) => routes.find((r) => r.key === key)?.meta?.privilege !== privilege)
      .map(([key, privilege]) => `${key} must require ${privilege}`);
    expect(wrong).toEqual([]);
    const stale = Object.keys(ROUTES).filter((k) => !routes.some((r) => r.key === k));
    expect(stale, "matrix entries for routes that no longer exist").toEqual([]);
    // Routes naming a host or VM in their path check their privilege against it.
    const untargeted = routes.filter((r) => r.entry?.target !== "none" && !r.entry?.global && r.meta?.privilege && r.meta.scope !== "target").map((r) => r.key);
    expect(untargeted, "host/VM routes whose privilege is not checked against the host/VM").toEqual([]);
  });

  it("refuses every user route without a session (401)", async () => {
    const x: Ctx = { f, scratchHost: async () => host1.id };
    for (const r of routes.filter((r) => r.meta?.auth === "user" && r.entry)) {
      const res = await call(r, null, { hostId: host1.id, uuid: vmA.uuid }, x);
      expect(res.status, `${r.key} without a session: ${res.text}`).toBe(401);
    }
  });

  it("allows or refuses every route for every built-in role, granted globally / on the host / on the VM, in and out of scope", async () => {
    const failures: string[] = [];
    let calls = 0;
    for (const p of principals) {
      const x: Ctx = {
        f,
        async scratchHost() {
          const h = await f.addHost(stackEnv().host1, { name: `matrix scratch ${randomBytes(3).toString("hex")}` });
          scratchHosts.push(h.id);
          return h.id;
        },
      };
      for (const r of routes.filter((r) => r.meta?.auth === "user" && r.entry)) {
        const targets: [Target, boolean][] =
          r.entry!.target === "none"
            ? [[{ hostId: host1.id, uuid: vmA.uuid }, true]]
            : [
                [{ hostId: host1.id, uuid: vmA.uuid }, true],
                [{ hostId: host2.id, uuid: vmC.uuid }, false],
              ];
        for (const [t0, inScope] of targets) {
          let t = t0;
          if (r.entry!.scratch) {
            const id = await x.scratchHost();
            // In scope: granted the way host 1 is for this principal.
            if (inScope && p.variant === "host") await f.mod.db.db().grant.create({ data: { userId: p.userId, roleId: p.role, scope: "host", hostId: id } });
            t = { hostId: id, uuid: t0.uuid };
          }
          const allowed = expectAllowed(r, p, inScope);
          const res = await call(r, p, t, x);
          calls++;
          const label = `${r.key} as ${p.role} granted ${p.variant === "global" ? "globally" : `on ${p.variant === "host" ? "host 1" : "VM A"}`}, ${inScope ? "in" : "out of"} scope`;
          if (allowed && (res.denied || res.status === 401)) failures.push(`${label}: expected allowed, got ${res.status} ${res.text}`);
          if (!allowed) {
            const want = expectDeniedStatus(r, p, inScope);
            if (!res.denied || res.status !== want) failures.push(`${label}: expected ${want}, got ${res.status}${res.denied ? "" : " (no access.denied)"} ${res.text}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
    expect(calls).toBeGreaterThan(principals.length * 30);
  }, 600_000);
});
