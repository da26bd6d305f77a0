import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { stackEnv, type TestHost } from "./stack-env";
import { testDatabase, type TestDatabase } from "./test-database";
import { sessionCaller } from "./callers";

/**
 * The fleet services on a fresh database: a real admin session to act as, and
 * helpers to register the stack's test hosts through the product itself
 * (create -> test connection -> confirm the presented key).
 *
 * Modules are imported only after testDatabase() has set the environment, as
 * test-database.ts requires.
 *
 *   let f: FleetContext;
 *   beforeAll(async () => { f = await fleetSetup(); });
 *   afterAll(() => f?.teardown());
 */
export interface FleetModules {
  db: typeof import("@/lib/db/client");
  login: typeof import("@/lib/auth/login");
  session: typeof import("@/lib/auth/session");
  audit: typeof import("@/lib/audit/audit");
  hosts: typeof import("@/lib/fleet/hosts");
  probe: typeof import("@/lib/fleet/probe");
  runtime: typeof import("@/lib/fleet/runtime");
  inventory: typeof import("@/lib/fleet/inventory");
  vms: typeof import("@/lib/fleet/vms");
  events: typeof import("@/lib/fleet/events");
  hostInfo: typeof import("@/lib/fleet/host-info");
}

export type Caller = import("@/lib/authz/caller").Caller;
export type HostView = import("@/lib/fleet/hosts").HostView;

export interface FleetContext {
  tdb: TestDatabase;
  mod: FleetModules;
  /** The admin who set the instance up: a session (services' Caller) and its Principal (authz, tasks). */
  caller: Caller & { principal: import("@/lib/authz").Principal };
  /** Host ids this file registered (their watchers and connections are closed in teardown). */
  hostIds: string[];
  /**
   * Registers a stack host with its key pasted and pins the fingerprint the stack recorded:
   * "probe" goes through Test connection + confirm (what an operator does), "db" writes the pin
   * directly (quicker; fleet-hosts.test.ts covers the probe flow), false leaves it unpinned.
   */
  addHost(
    host: TestHost,
    opts?: { name?: string; pin?: "probe" | "db" | false; port?: number; expectedHostKeySha256?: string },
  ): Promise<HostView>;
  /** Audit events (oldest first) whose action starts with prefix. */
  auditActions(
    prefix: string,
  ): Promise<{ action: string; outcome: string; targetId: string; targetName: string; details: unknown }[]>;
  teardown(): Promise<void>;
}

export const CALLER_IP = "127.0.0.9";

export async function fleetSetup(): Promise<FleetContext> {
  const tdb = await testDatabase();
  const mod: FleetModules = {
    db: await import("@/lib/db/client"),
    login: await import("@/lib/auth/login"),
    session: await import("@/lib/auth/session"),
    audit: await import("@/lib/audit/audit"),
    hosts: await import("@/lib/fleet/hosts"),
    probe: await import("@/lib/fleet/probe"),
    runtime: await import("@/lib/fleet/runtime"),
    inventory: await import("@/lib/fleet/inventory"),
    vms: await import("@/lib/fleet/vms"),
    events: await import("@/lib/fleet/events"),
    hostInfo: await import("@/lib/fleet/host-info"),
  };
  await mod.db.prepareDatabase();
  const admin = await mod.login.setupFirstAdmin(
    mod.login.SetupSchema.parse({ username: "fleet.admin", password: "fleet admin pw" }),
    {
      ip: CALLER_IP,
      userAgent: "vitest",
    },
  );
  const session = await mod.session.sessionLookup(admin.token);
  if (!session) throw new Error("the admin's session did not resolve");
  const caller = sessionCaller(session, CALLER_IP);
  const hostIds: string[] = [];

  const ctx: FleetContext = {
    tdb,
    mod,
    caller,
    hostIds,
    async addHost(host, opts = {}) {
      const created = await mod.hosts.hostCreate(
        caller,
        mod.hosts.HostCreateSchema.parse({
          name: opts.name ?? `${host.name}-${host.username}`,
          address: host.host,
          port: opts.port ?? host.port,
          username: host.username,
          libvirtUri: host.libvirtUri,
          key: { kind: "paste", privateKey: readFileSync(host.privateKeyPath, "utf8") },
        }),
      );
      hostIds.push(created.id);
      const expected = opts.expectedHostKeySha256 ?? host.hostKeySha256;
      const pin = opts.pin ?? "db";
      if (pin === false) return created;
      if (pin === "probe") {
        const { host: probed } = await mod.probe.hostProbe(caller, created.id);
        // Pin only what the stack itself recorded: a test must never trust whatever key showed up.
        expect(probed.presentedHostKeySha256).toBe(expected);
        await mod.hosts.hostKeyConfirm(caller, created.id, expected);
      } else {
        await mod.db.db().host.update({
          where: { id: created.id },
          data: { hostKeySha256: expected, presentedHostKeySha256: expected },
        });
      }
      // Like POST /api/hosts/:id/confirm-key: connect right away, so the host shows online.
      await mod.inventory.inventoryGet(created.id, { maxAgeMs: 0 });
      const pinned = await mod.hosts.hostGet(created.id);
      expect(pinned.status).toBe("online");
      return pinned;
    },
    async auditActions(prefix) {
      const rows = await mod.db
        .db()
        .auditEvent.findMany({ where: { action: { startsWith: prefix } }, orderBy: { id: "asc" } });
      return rows.map((r) => ({
        action: r.action,
        outcome: r.outcome,
        targetId: r.targetId,
        targetName: r.targetName,
        details: r.details,
      }));
    },
    async teardown() {
      // Watchers first: a watcher whose stream closes under it would mark its host offline and retry.
      for (const id of hostIds) mod.events.eventsUnwatch(id);
      const f = mod.runtime.fleet();
      f.sessions.closeAll();
      f.slowSessions.closeAll();
      f.pool.closeAll();
      f.slowPool.closeAll();
      f.caches.clear();
      await tdb.drop();
    },
  };
  return ctx;
}

/** Polls check() every intervalMs until it returns a value other than undefined/false, or throws after timeoutMs. */
export async function until<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 5_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}

/** Waits (up to 60 s) until the task has succeeded or failed, as the admin of fleetSetup sees it; returns its detail. */
export async function taskEnded(f: FleetContext, id: string, what = "the task ends") {
  const tasks = await import("@/lib/tasks/tasks");
  return until(
    what,
    async () => {
      const t = await tasks.taskGet(f.caller, id);
      return (t.status === "succeeded" || t.status === "failed") && t;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
}

export { stackEnv };
