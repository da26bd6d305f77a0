import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "./helpers/test-database";

let tdb: TestDatabase;
let mod: {
  db: typeof import("@/lib/db/client");
  audit: typeof import("@/lib/audit/audit");
};

const H1 = "11111111-1111-4111-8111-111111111111";
const H2 = "22222222-2222-4222-8222-222222222222";
const VM_A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const VM_B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

beforeAll(async () => {
  tdb = await testDatabase();
  mod = { db: await import("@/lib/db/client"), audit: await import("@/lib/audit/audit") };
  await mod.db.prepareDatabase();
  const rec = mod.audit.auditRecord;
  await rec({ actor: { id: null, name: "alice" }, action: "auth.login", ip: "10.0.0.1" });
  await rec({
    actor: { id: null, name: "alice" },
    action: "host.update",
    target: { type: "host", id: H1, name: "rack-1" },
  });
  await rec({
    actor: { id: null, name: "bob" },
    action: "vm.start",
    target: { type: "vm", id: `${H1}/${VM_A}`, name: "Web-01" },
  });
  await rec({
    actor: { id: null, name: "bob" },
    action: "vm.stop",
    outcome: "failure",
    target: { type: "vm", id: `${H1}/${VM_B}`, name: "db-01" },
  });
  await rec({
    actor: { id: null, name: "carol" },
    action: "console.open",
    target: { type: "vm", id: `${H2}/${VM_A}`, name: "web-01" },
  });
  await rec({
    actor: { id: null, name: "carol" },
    action: "access.denied",
    outcome: "denied",
    details: { path: "/api/users" },
  });
});

afterAll(() => tdb.drop());

async function actions(filter: Record<string, string>): Promise<string[]> {
  const r = await mod.audit.auditList(mod.audit.AuditQuerySchema.parse(filter));
  expect(r.total).toBe(r.events.length);
  return r.events.map((e) => `${e.actorName}:${e.action}`);
}

describe(`audit filters on ${process.env.VD_TEST_DB ?? "pglite"}`, () => {
  it("filters by user, action prefix and outcome", async () => {
    expect(await actions({ actor: "BOB" })).toEqual(["bob:vm.stop", "bob:vm.start"]);
    expect(await actions({ action: "vm." })).toEqual(["bob:vm.stop", "bob:vm.start"]);
    expect(await actions({ outcome: "denied" })).toEqual(["carol:access.denied"]);
    // Blank form fields mean "no filter".
    expect(await actions({ actor: "", action: "", outcome: "", host: "", vm: "", from: "", to: "" })).toHaveLength(6);
  });

  it("filters by host: the host's own events and those of its VMs", async () => {
    expect(await actions({ host: H1 })).toEqual(["bob:vm.stop", "bob:vm.start", "alice:host.update"]);
    expect(await actions({ host: H2 })).toEqual(["carol:console.open"]);
    expect(mod.audit.AuditQuerySchema.safeParse({ host: "rack-1" }).success).toBe(false);
  });

  it("filters by VM: host/uuid exactly, a bare UUID on any host, or part of the name", async () => {
    expect(await actions({ vm: `${H1}/${VM_A}` })).toEqual(["bob:vm.start"]);
    expect(await actions({ vm: VM_A.toUpperCase() })).toEqual(["carol:console.open", "bob:vm.start"]);
    expect(await actions({ vm: "WEB" })).toEqual(["carol:console.open", "bob:vm.start"]);
    expect(await actions({ vm: "db-01", host: H1 })).toEqual(["bob:vm.stop"]);
    // LIKE wildcards in a name are matched literally.
    expect(await actions({ vm: "%" })).toEqual([]);
    expect(await actions({ vm: "web_01" })).toEqual([]);
    expect(await actions({ actor: "%" })).toEqual([]);
    expect(await actions({ action: "_" })).toEqual([]);
  });

  it("filters by time range", async () => {
    const all = (await mod.audit.auditList(mod.audit.AuditQuerySchema.parse({}))).events;
    const pivot = all[2].at;
    const from = await actions({ from: pivot });
    expect(from.length).toBeGreaterThanOrEqual(3);
    expect(await actions({ to: "2000-01-01T00:00:00Z" })).toEqual([]);
    expect(await actions({ from: new Date(Date.now() + 60_000).toISOString() })).toEqual([]);
  });

  it("pages with a keyset and iterates everything in batches for the export", async () => {
    const p1 = await mod.audit.auditList(mod.audit.AuditQuerySchema.parse({ limit: 4 }));
    expect(p1.events).toHaveLength(4);
    expect(p1.total).toBe(6);
    const p2 = await mod.audit.auditList(mod.audit.AuditQuerySchema.parse({ limit: 4, before: p1.nextBefore }));
    expect(p2.events).toHaveLength(2);
    expect(p2.nextBefore).toBeNull();
    const ids = [...p1.events, ...p2.events].map((e) => e.id);
    const iterated: string[] = [];
    for await (const e of mod.audit.auditIterate(mod.audit.AuditFilterSchema.parse({}), 2)) iterated.push(e.id);
    expect(iterated).toEqual(ids);
    const vmOnly: string[] = [];
    for await (const e of mod.audit.auditIterate(mod.audit.AuditFilterSchema.parse({ action: "vm." }), 1))
      vmOnly.push(e.action);
    expect(vmOnly).toEqual(["vm.stop", "vm.start"]);
  });

  it("lists the distinct actions for suggestions", async () => {
    expect(await mod.audit.auditActions()).toEqual([
      "access.denied",
      "auth.login",
      "console.open",
      "host.update",
      "vm.start",
      "vm.stop",
    ]);
  });
});
