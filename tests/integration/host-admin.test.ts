// Host record changes that reach the live connection (lib/fleet/host-admin.ts) and the audit CSV
// export (lib/audit/export.ts), against the real sshd + libvirt + PostgreSQL of the test stack.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetSetup, stackEnv, type FleetContext } from "./helpers/fleet-stack";

const stack = stackEnv();
let f: FleetContext;
let admin: typeof import("@/lib/fleet/host-admin");
let exporter: typeof import("@/lib/audit/export");

beforeAll(async () => {
  f = await fleetSetup();
  admin = await import("@/lib/fleet/host-admin");
  exporter = await import("@/lib/audit/export");
});
afterAll(async () => {
  await f?.teardown();
});

const pooled = (id: string) => f.mod.runtime.fleet().pool.hostIds().includes(id);
const request = { ip: "127.0.0.9", method: "PATCH", path: "/api/hosts/x" };

describe("host changes reconnect", () => {
  it("confirming the presented key connects at once: the answer already shows the host online", async () => {
    const host = await f.addHost(stack.host1, { name: "admin confirm", pin: false });
    await f.mod.probe.hostProbe(f.caller, host.id);
    expect((await f.mod.hosts.hostGet(host.id)).status).not.toBe("online");
    const confirmed = await admin.hostKeyAccept(f.caller, host.id, stack.host1.hostKeySha256);
    expect(confirmed.hostKeySha256).toBe(stack.host1.hostKeySha256);
    expect(confirmed.status).toBe("online");
    expect(pooled(host.id)).toBe(true);
  });

  it("an edit drops the pooled connection, so the next use connects with the new record", async () => {
    const host = await f.addHost(stack.host1, { name: "admin edit" });
    expect(pooled(host.id)).toBe(true);
    const renamed = await admin.hostEdit(f.caller, host.id, { name: "admin edited" }, request);
    expect(renamed.name).toBe("admin edited");
    expect(pooled(host.id)).toBe(false);
    await f.mod.inventory.inventoryGet(host.id, { maxAgeMs: 0 });
    expect(pooled(host.id)).toBe(true);
  });

  it("a deletion ends the host's connection with its record", async () => {
    const host = await f.addHost(stack.host1, { name: "admin delete" });
    expect(pooled(host.id)).toBe(true);
    await admin.hostRemove(f.caller, host.id);
    expect(pooled(host.id)).toBe(false);
    await expect(f.mod.hosts.hostGet(host.id)).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("audit CSV export", () => {
  it("streams the filtered log as CSV and records the export with its filter", async () => {
    const { stream, filename } = await exporter.auditCsvExport(
      { actor: { id: f.caller.actor.id, name: "fleet.admin" }, ip: "127.0.0.9" },
      f.mod.audit.AuditFilterSchema.parse({ action: "host.delete" }),
    );
    expect(filename).toMatch(/^virtdeck-audit-\d{4}-\d{2}-\d{2}T[\d-]+Z\.csv$/);
    const csv = await new Response(stream).text();
    const lines = csv.split("\r\n").filter(Boolean);
    expect(lines[0]).toBe("id,time,actor,actor_id,action,outcome,target_type,target_id,target_name,ip,details");
    expect(lines.slice(1).length).toBeGreaterThanOrEqual(1);
    expect(lines.slice(1).every((l) => l.split(",")[4] === "host.delete")).toBe(true);
    const recorded = (await f.auditActions("audit.export")).at(-1);
    expect(recorded).toMatchObject({
      action: "audit.export",
      outcome: "success",
      details: { filter: { action: "host.delete" } },
    });
  });
});
