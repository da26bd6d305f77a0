// The OpenAPI document against real answers: route handlers run in-process (as in
// tenant-authz.test.ts) on the real stack (PostgreSQL, the sshd test hosts, libvirtd), and each
// answer is validated with ajv against the schema the served document (GET /api/openapi.json) gives
// for that path, method, status and media type: the document is what is tested, not the zod schemas.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { Validator } from "@seriousme/openapi-schema-validator";
import { stackEnv } from "./helpers/stack-env";
import { testDatabase, testDbKind, type TestDatabase } from "./helpers/test-database";
import { GuestLab, virshSync } from "./helpers/fleet-guests";

const ROOT = path.resolve(import.meta.dirname, "../..");
type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
type Doc = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

const lab = new GuestLab("openapi");
const POOL = `vdoapi${randomBytes(3).toString("hex")}`;
const DIR = `/var/tmp/${POOL}`;
const NET = `vdoapi-net-${randomBytes(3).toString("hex")}`;
/** A dir pool the pool routes create, act on and delete (its directory: /var/tmp/<name>). */
const MPOOL = `${POOL}-managed`;

let tdb: TestDatabase;
let doc: Doc;
let ajv: Ajv2020;
let admin: { cookie: string; csrf: string };
let hostId: string;
const checked: string[] = [];

/** "hosts/[id]" -> "/api/hosts/{id}": the document's path of a route file. */
const docPath = (file: string) => "/api/" + file.replace(/\[([^\]]+)\]/g, "{$1}");

/** Calls a route handler; returns the status, media type and parsed JSON body (text otherwise). */
async function call(
  method: string,
  file: string,
  opts: { params?: Record<string, string>; body?: unknown; query?: string; as?: typeof admin | null } = {},
) {
  const mod = (await import(/* @vite-ignore */ path.join(ROOT, "app/api", file, "route.ts"))) as Record<
    string,
    Handler
  >;
  let url = `http://127.0.0.1:3000/api/${file}`;
  for (const [k, v] of Object.entries(opts.params ?? {})) url = url.replace(`[${k}]`, encodeURIComponent(v));
  const headers: Record<string, string> = { "x-virtdeck-peer": "127.0.0.9", "user-agent": "vitest" };
  const as = opts.as === undefined ? admin : opts.as;
  if (as) Object.assign(headers, { cookie: as.cookie, "x-csrf-token": as.csrf });
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await mod[method](
    new NextRequest(url + (opts.query ?? ""), {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    }),
    {
      params: Promise.resolve(opts.params ?? {}),
    },
  );
  const media = (res.headers.get("content-type") ?? "").split(";")[0];
  const text = await res.text();
  return {
    status: res.status,
    media,
    headers: res.headers,
    json: (media === "application/json" && text ? JSON.parse(text) : text) as any,
  };
}

const pointer = (...tokens: string[]) =>
  tokens.map((t) => encodeURIComponent(t.replace(/~/g, "~0").replace(/\//g, "~1"))).join("/");

/** Where the answer's schema is in the document (its own, or the shared Error response for errors), as a $ref. */
function documented(method: string, file: string, status: number, media: string): string {
  const op = doc.paths[docPath(file)]?.[method.toLowerCase()];
  expect(op, `${method} ${docPath(file)} is in the document`).toBeDefined();
  const key = op!.responses[String(status)] ? String(status) : "default";
  const res = op!.responses[key] as { $ref?: string; content?: Record<string, unknown> };
  const base = res.$ref
    ? res.$ref.slice(2).split("/")
    : ["paths", docPath(file), method.toLowerCase(), "responses", key];
  const content = res.$ref ? (doc as any).components.responses[base.at(-1)!].content : res.content;
  expect(content?.[media], `${method} ${docPath(file)} ${status} documents ${media}`).toBeDefined();
  return `doc#/${pointer(...base, "content", media, "schema")}`;
}

/** Calls the route and validates the answer against the document; returns the answer. */
async function checkedCall(method: string, file: string, expectStatus: number, opts: Parameters<typeof call>[2] = {}) {
  const r = await call(method, file, opts);
  expect(r.status, `${method} ${file}: ${JSON.stringify(r.json).slice(0, 300)}`).toBe(expectStatus);
  const validate = ajv.compile({ $ref: documented(method, file, r.status, r.media) });
  const ok = validate(r.json);
  expect(ok ? [] : validate.errors, `${method} ${file} ${r.status} matches the document`).toEqual([]);
  checked.push(`${method} ${docPath(file)} ${r.status}`);
  return r;
}

beforeAll(async () => {
  tdb = await testDatabase();
  const { prepareDatabase } = await import("@/lib/db/client");
  await prepareDatabase();
  const setup = await call("POST", "setup", {
    as: null,
    body: { username: `oapi.admin`, password: "openapi admin pw" },
  });
  expect(setup.status).toBe(201);
  const token = /vd_session=([^;]+)/.exec(setup.headers.get("set-cookie") ?? "")?.[1];
  admin = { cookie: `vd_session=${token}`, csrf: setup.json.csrfToken };

  doc = (await call("GET", "openapi.json", { as: null })).json;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(doc as object, "doc");
  mkdirSync(DIR, { recursive: true });
  virshSync("host1", ["pool-create-as", POOL, "dir", "--target", DIR]);
}, 120_000);

afterAll(async () => {
  const problems = await lab.cleanup();
  try {
    virshSync("host1", ["pool-destroy", POOL]);
  } catch {}
  rmSync(DIR, { recursive: true, force: true });
  try {
    virshSync("host1", ["net-undefine", NET]);
  } catch {}
  for (const args of [
    ["pool-destroy", MPOOL],
    ["pool-undefine", MPOOL],
  ])
    try {
      virshSync("host1", args);
    } catch {}
  rmSync(`/var/tmp/${MPOOL}`, { recursive: true, force: true });
  const { fleet } = await import("@/lib/fleet/runtime");
  const { eventsUnwatch } = await import("@/lib/fleet/events");
  if (hostId) eventsUnwatch(hostId);
  fleet().sessions.closeAll();
  fleet().pool.closeAll();
  await tdb?.drop();
  expect(problems).toEqual([]);
});

describe(`OpenAPI document against real answers on ${testDbKind()}`, () => {
  it("the served document is a valid OpenAPI 3.1 document", async () => {
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
  });

  it("hosts: create, probe, confirm the key, list, detail", async () => {
    const h = stackEnv().host1;
    const created = await checkedCall("POST", "hosts", 201, {
      body: {
        name: `oapi host ${lab.tag}`,
        address: h.host,
        port: h.port,
        username: h.username,
        libvirtUri: h.libvirtUri,
        key: { kind: "paste", privateKey: readFileSync(h.privateKeyPath, "utf8") },
      },
    });
    hostId = created.json.host.id;
    const probe = await checkedCall("POST", "hosts/[id]/test", 200, { params: { id: hostId } });
    expect(probe.json.host.presentedHostKeySha256).toBe(h.hostKeySha256);
    await checkedCall("POST", "hosts/[id]/confirm-key", 200, {
      params: { id: hostId },
      body: { fingerprint: h.hostKeySha256 },
    });
    const list = await checkedCall("GET", "hosts", 200);
    expect(list.json.hosts.map((x: { id: string }) => x.id)).toContain(hostId);
    // No secret ever leaves in a host record, whatever the service returned.
    expect(JSON.stringify(list.json)).not.toMatch(/PRIVATE KEY|privateKey|keyCiphertext/);
    await checkedCall("GET", "hosts/[id]", 200, { params: { id: hostId } });
    await checkedCall("GET", "hosts/[id]/info", 200, { params: { id: hostId } });
    await checkedCall("GET", "hosts/[id]/readiness", 200, { params: { id: hostId } });
  });

  it("VMs: list (with a query), detail, hardware, delete plan; a VM delete task; tasks list and detail", async () => {
    const g = lab.define("host1");
    const { inventoryGet } = await import("@/lib/fleet/inventory");
    await inventoryGet(hostId, { maxAgeMs: 0 });
    // The inventory may lag a define under load: ask again until the new VM is listed.
    let vms = await checkedCall("GET", "vms", 200, {
      query: `?host=${hostId}&q=${encodeURIComponent(g.name)}&pageSize=10`,
    });
    for (let i = 0; i < 20 && vms.json.vms.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 500));
      await inventoryGet(hostId, { maxAgeMs: 0 });
      vms = await checkedCall("GET", "vms", 200, {
        query: `?host=${hostId}&q=${encodeURIComponent(g.name)}&pageSize=10`,
      });
    }
    expect(vms.json.vms.map((v: { uuid: string }) => v.uuid)).toEqual([g.uuid]);
    const vm = { hostId, uuid: g.uuid };
    const detail = await checkedCall("GET", "vms/[hostId]/[uuid]", 200, { params: vm });
    expect(detail.json.vm.xml).toContain(g.uuid);
    await checkedCall("GET", "vms/[hostId]/[uuid]/hardware", 200, { params: vm });
    const addrs = await checkedCall("GET", "vms/[hostId]/[uuid]/addresses", 200, { params: vm });
    expect(addrs.json).toMatchObject({ addresses: expect.any(Array), agentConnected: false });
    // A hardware edit answers its notes as message keys (key + params), not sentences.
    const edit = await checkedCall("PATCH", "vms/[hostId]/[uuid]/hardware", 200, {
      params: vm,
      body: { title: "oapi title" },
    });
    expect(edit.json.result.live[0]).toMatchObject({ key: expect.any(String) });
    await checkedCall("GET", "vms/[hostId]/[uuid]/delete", 200, { params: vm });
    await checkedCall("GET", "vms/[hostId]/[uuid]/tags", 200, { params: vm });
    // Migration to the VM's own host: 422 naming the field (the report's 200 is in migration-api.test.ts).
    const self = await checkedCall("GET", "vms/[hostId]/[uuid]/migrate", 422, {
      params: vm,
      query: `?destHostId=${hostId}`,
    });
    expect(self.json.error.issues[0].path).toBe("destHostId");
    await checkedCall("POST", "vms/[hostId]/[uuid]/migrate", 422, { params: vm, body: { destHostId: hostId } });
    const del = await checkedCall("POST", "vms/[hostId]/[uuid]/delete", 202, { params: vm, body: { volumes: [] } });
    const tasks = await checkedCall("GET", "tasks", 200);
    expect(tasks.json.tasks.map((t: { id: string }) => t.id)).toContain(del.json.task.id);
    await checkedCall("GET", "tasks/[id]", 200, { params: { id: del.json.task.id }, query: "?logsAfter=0" });
  });

  it("storage: pools, a new volume, the pool's volumes, the ISO library", async () => {
    const pools = await checkedCall("GET", "hosts/[id]/storage/pools", 200, { params: { id: hostId } });
    expect(pools.json.pools.map((p: { name: string }) => p.name)).toContain(POOL);
    await checkedCall("POST", "hosts/[id]/storage/volumes", 201, {
      params: { id: hostId },
      body: { pool: POOL, name: "a.qcow2", format: "qcow2", capacityBytes: 1024 * 1024 },
    });
    const vols = await checkedCall("GET", "hosts/[id]/storage/pools/[pool]/volumes", 200, {
      params: { id: hostId, pool: POOL },
    });
    expect(vols.json.volumes.map((v: { name: string }) => v.name)).toEqual(["a.qcow2"]);
    await checkedCall("GET", "hosts/[id]/storage/isos", 200, { params: { id: hostId } });
  });

  it("storage pools: create (dir), an action, bad input, delete data, delete", async () => {
    const params = { id: hostId, pool: MPOOL };
    await checkedCall("POST", "hosts/[id]/storage/pools", 201, {
      params: { id: hostId },
      body: { name: MPOOL, type: "dir", targetPath: `/var/tmp/${MPOOL}`, autostart: false },
    });
    await checkedCall("POST", "hosts/[id]/storage/pools/[pool]", 200, { params, body: { action: "refresh" } });
    const bad = await checkedCall("POST", "hosts/[id]/storage/pools", 422, {
      params: { id: hostId },
      body: { name: "a b", type: "dir", targetPath: `/var/tmp/${MPOOL}-x` },
    });
    expect(bad.json.error.issues[0].path).toBe("name");
    await checkedCall("POST", "hosts/[id]/storage/volumes", 201, {
      params: { id: hostId },
      body: { pool: MPOOL, name: "b.raw", format: "raw", capacityBytes: 1024 * 1024 },
    });
    const grown = await checkedCall("POST", "hosts/[id]/storage/volumes/resize", 200, {
      params: { id: hostId },
      body: { pool: MPOOL, name: "b.raw", capacityBytes: 2 * 1024 * 1024 },
    });
    expect(grown.json.volume.capacityBytes).toBe(2 * 1024 * 1024);
    await checkedCall("POST", "hosts/[id]/storage/volumes/clone", 202, {
      params: { id: hostId },
      body: { pool: MPOOL, name: "b.raw", newName: "c.raw" },
    });
    await checkedCall("POST", "hosts/[id]/storage/pools/[pool]/delete-data", 200, { params, body: { confirm: MPOOL } });
    await checkedCall("DELETE", "hosts/[id]/storage/pools/[pool]", 200, { params });
  });

  it("networks: create (isolated, no address, on host 1), lists, an action, edit, leases, delete", async () => {
    const params = { id: hostId, network: NET };
    await checkedCall("POST", "hosts/[id]/networks", 201, {
      params: { id: hostId },
      body: { name: NET, forwardMode: "isolated" },
    });
    const listed = await checkedCall("GET", "hosts/[id]/networks", 200, { params: { id: hostId } });
    expect(listed.json.networks.map((n: { name: string }) => n.name)).toContain(NET);
    await checkedCall("GET", "networks", 200);
    await checkedCall("POST", "hosts/[id]/networks/[network]", 200, {
      params,
      body: { action: "autostart", autostart: true },
    });
    await checkedCall("PUT", "hosts/[id]/networks/[network]", 200, {
      params,
      body: { name: NET, forwardMode: "isolated", mtu: 1400 },
    });
    await checkedCall("GET", "hosts/[id]/networks/[network]/leases", 200, { params });
    await checkedCall("DELETE", "hosts/[id]/networks/[network]", 200, { params });
  });

  it("backups: a repository on host 1, a job of a VM, lists, the VM's points, job and repository removed", async () => {
    const g = lab.define("host1");
    const { inventoryGet } = await import("@/lib/fleet/inventory");
    await inventoryGet(hostId, { maxAgeMs: 0 });
    const repo = await checkedCall("POST", "hosts/[id]/backup-repositories", 201, {
      params: { id: hostId },
      body: { name: `${POOL}-repo`, path: `${DIR}/backups` },
    });
    await checkedCall("GET", "backups/repositories", 200);
    const vm = { hostId, uuid: g.uuid };
    const job = await checkedCall("POST", "vms/[hostId]/[uuid]/backup-jobs", 201, {
      params: vm,
      body: { name: `${POOL}-job`, repositoryId: repo.json.repository.id, schedule: null },
    });
    await checkedCall("GET", "backups/jobs", 200);
    const points = await checkedCall("GET", "vms/[hostId]/[uuid]/backups", 200, { params: vm });
    expect(points.json.points).toEqual([]);
    // Bad input names the field: a retention that keeps nothing.
    const bad = await checkedCall("POST", "vms/[hostId]/[uuid]/backup-jobs", 422, {
      params: vm,
      body: {
        name: `${POOL}-job2`,
        repositoryId: repo.json.repository.id,
        keepDaily: 0,
        keepWeekly: 0,
        keepMonthly: 0,
      },
    });
    expect(JSON.stringify(bad.json)).toContain("keepDaily");
    // 204: no body to check against the document.
    const delJob = await call("DELETE", "vms/[hostId]/[uuid]/backup-jobs/[jobId]", {
      params: { ...vm, jobId: job.json.job.id },
    });
    expect(delJob.status).toBe(204);
    const delRepo = await call("DELETE", "hosts/[id]/backup-repositories/[repositoryId]", {
      params: { id: hostId, repositoryId: repo.json.repository.id },
    });
    expect(delRepo.status).toBe(204);
  });

  it("snapshots: tree, create (task), edit, revert, delete, schedules", async () => {
    const g = lab.define("host1");
    const vm = { hostId, uuid: g.uuid };
    // No task workers in this file: the tasks are queued (202) and never run; the snapshot is made here.
    virshSync("host1", ["snapshot-create-as", g.uuid, "oapi snap"]);
    await checkedCall("POST", "vms/[hostId]/[uuid]/snapshots", 202, { params: vm, body: { name: "oapi 2" } });
    const tree = await checkedCall("GET", "vms/[hostId]/[uuid]/snapshots", 200, { params: vm });
    expect(tree.json.snapshots.map((s: { name: string }) => s.name)).toEqual(["oapi snap"]);
    const named = { ...vm, name: "oapi snap" };
    await checkedCall("PATCH", "vms/[hostId]/[uuid]/snapshots/[name]", 200, {
      params: named,
      body: { description: "d" },
    });
    const refused = await checkedCall("PATCH", "vms/[hostId]/[uuid]/snapshots/[name]", 409, {
      params: named,
      body: { name: "renamed" },
    });
    expect(refused.json.error.code).toBe("invalid_state");
    await checkedCall("POST", "vms/[hostId]/[uuid]/snapshots/[name]/revert", 202, { params: named, body: {} });
    await checkedCall("POST", "vms/[hostId]/[uuid]/snapshots", 422, { params: vm, body: { name: "-x" } });
    const sched = await checkedCall("POST", "vms/[hostId]/[uuid]/snapshot-schedules", 201, {
      params: vm,
      body: { every: { mode: "daily", at: "02:00" }, keep: 7 },
    });
    await checkedCall("GET", "vms/[hostId]/[uuid]/snapshot-schedules", 200, { params: vm });
    await checkedCall("DELETE", "vms/[hostId]/[uuid]/snapshot-schedules/[id]", 200, {
      params: { ...vm, id: sched.json.schedule.id },
    });
    await checkedCall("DELETE", "vms/[hostId]/[uuid]/snapshots/[name]", 202, { params: named, query: "?mode=leaf" });
    virshSync("host1", ["snapshot-delete", g.uuid, "oapi snap", "--metadata"]);
  });

  it("templates: create, list, detail", async () => {
    const t = await checkedCall("POST", "templates", 201, {
      body: { name: `oapi ${lab.tag}`, vcpus: 1, memoryMiB: 128, maxMemoryMiB: 128 },
    });
    await checkedCall("GET", "templates", 200);
    await checkedCall("GET", "templates/[id]", 200, { params: { id: t.json.template.id } });
  });

  it("users, groups, roles, tokens, account and audit", async () => {
    const u = await checkedCall("POST", "users", 201, {
      body: { username: `oapi-user-${lab.tag}`, password: "a long enough password", role: "helpdesk" },
    });
    const users = await checkedCall("GET", "users", 200);
    // The password hash never leaves, whatever the service selected.
    expect(JSON.stringify(users.json)).not.toMatch(/passwordHash|argon2/);
    await checkedCall("GET", "users/[id]/access", 200, { params: { id: u.json.user.id } });
    await checkedCall("GET", "users/[id]/quota", 200, { params: { id: u.json.user.id } });
    await checkedCall("GET", "groups", 200);
    await checkedCall("GET", "roles", 200);
    await checkedCall("GET", "grants", 200, { query: `?userId=${u.json.user.id}` });
    await checkedCall("GET", "tokens", 200, { query: "?all=1" });
    await checkedCall("GET", "auth/me", 200);
    await checkedCall("GET", "account/totp", 200);
    await checkedCall("GET", "security/policy", 200);
    const audit = await checkedCall("GET", "audit", 200, { query: "?limit=20" });
    expect(audit.json.events.length).toBeGreaterThan(0);
    await checkedCall("GET", "health", 200, { as: null });
  });

  it("error answers match the document's Error: not found, invalid input, unauthorized, a bad path parameter", async () => {
    const missing = await checkedCall("GET", "vms/[hostId]/[uuid]", 404, {
      params: { hostId, uuid: "00000000-0000-4000-8000-000000000000" },
    });
    expect(missing.json.error.code).toBe("not_found");
    const invalid = await checkedCall("POST", "templates", 422, { body: { name: "", vcpus: 0 } });
    expect(invalid.json.error.issues.length).toBeGreaterThan(0);
    const badQuery = await checkedCall("GET", "vms", 422, { query: "?pageSize=100000" });
    expect(badQuery.json.error.message).toMatch(/pageSize/);
    expect((await checkedCall("GET", "hosts", 401, { as: null })).json.error.code).toBe("unauthorized");
    const badParam = await checkedCall("GET", "hosts/[id]", 404, { params: { id: "x".repeat(300) } });
    expect(badParam.json.error.message).toMatch(/path parameter id/);
  });

  it("checked a sample of every kind of answer", () => {
    for (const must of [
      "GET /api/hosts 200",
      "GET /api/vms 200",
      "GET /api/vms/{hostId}/{uuid} 200",
      "GET /api/vms/{hostId}/{uuid}/addresses 200",
      "GET /api/hosts/{id}/readiness 200",
      "GET /api/tasks 200",
      "GET /api/audit 200",
      "GET /api/users 200",
      "GET /api/hosts/{id}/storage/pools 200",
      "GET /api/hosts/{id}/storage/pools/{pool}/volumes 200",
      "POST /api/hosts/{id}/storage/pools 201",
      "POST /api/hosts/{id}/storage/pools 422",
      "POST /api/hosts/{id}/storage/pools/{pool} 200",
      "POST /api/hosts/{id}/storage/pools/{pool}/delete-data 200",
      "POST /api/hosts/{id}/storage/volumes/resize 200",
      "POST /api/hosts/{id}/storage/volumes/clone 202",
      "DELETE /api/hosts/{id}/storage/pools/{pool} 200",
      "GET /api/templates 200",
      "GET /api/hosts/{id}/networks 200",
      "POST /api/hosts/{id}/networks 201",
      "GET /api/vms/{hostId}/{uuid} 404",
      "GET /api/vms/{hostId}/{uuid}/snapshots 200",
      "POST /api/vms/{hostId}/{uuid}/snapshots 202",
    ]) {
      expect(checked).toContain(must);
    }
  });
});
