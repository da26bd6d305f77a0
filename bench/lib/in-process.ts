import { execFileSync } from "node:child_process";
import type { Caller } from "@/lib/authz/caller";
import { readKey, type BenchHost } from "./stack";

/** host 1's libvirt, reached directly on this machine (the benches prepare and clean up with it). */
const SYSTEM_URI = "qemu:///system";

/** `virsh -q -c qemu:///system ARGS` on this machine; its stdout, or throws with virsh's error. */
export const virshSystem = (...args: string[]) =>
  execFileSync("virsh", ["-q", "-c", SYSTEM_URI, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** Like virshSystem, "" when virsh fails (cleanup of what may not exist). */
export const virshSystemTry = (...args: string[]) => {
  try {
    return virshSystem(...args);
  } catch {
    return "";
  }
};

/**
 * Points virtdeck, loaded into this process next, at its own embedded database (PGlite in
 * `dataDir`, not DATABASE_URL) with checkpoints off. Call before importing any `@/lib` module.
 */
export function inProcessEnv(dataDir: string): void {
  process.env.VIRTDECK_DATA_DIR = dataDir;
  delete process.env.DATABASE_URL;
  process.env.CHECKPOINT_DISABLE = "1";
}

/**
 * virtdeck's first run in this process (after inProcessEnv): the database prepared, the first admin
 * and a caller for it, each host added with the stack's key and its host key pinned, the first
 * host's inventory read once, and the task workers started as server.ts starts them (import the
 * modules whose tasks the bench runs first). Returns the caller and the host ids, in order.
 */
export async function inProcessFleet(
  hosts: readonly { host: BenchHost; name: string }[],
): Promise<{ caller: Caller; hostIds: string[] }> {
  const dbm = await import("@/lib/db/client");
  const login = await import("@/lib/auth/login");
  const session = await import("@/lib/auth/session");
  const fleetHosts = await import("@/lib/fleet/hosts");
  const inventory = await import("@/lib/fleet/inventory");
  const { callerOf } = await import("@/lib/authz/caller");
  const { principalFromSession } = await import("@/lib/authz/principal");
  await dbm.prepareDatabase();
  const admin = await login.setupFirstAdmin(
    login.SetupSchema.parse({ username: "bench.admin", password: "bench admin password" }),
    { ip: "127.0.0.1", userAgent: "bench" },
  );
  const s = await session.sessionLookup(admin.token);
  if (!s) throw new Error("no session");
  const caller = callerOf(principalFromSession(s), "127.0.0.1");
  const hostIds: string[] = [];
  for (const { host, name } of hosts) {
    const h = await fleetHosts.hostCreate(
      caller,
      fleetHosts.HostCreateSchema.parse({
        name,
        address: host.address,
        port: host.port,
        username: host.username,
        libvirtUri: host.uri,
        key: { kind: "paste", privateKey: readKey(host) },
      }),
    );
    await dbm.db().host.update({
      where: { id: h.id },
      data: { hostKeySha256: host.hostKeySha256, presentedHostKeySha256: host.hostKeySha256 },
    });
    hostIds.push(h.id);
  }
  await inventory.inventoryGet(hostIds[0]!, { maxAgeMs: 0 });
  await (await import("@/lib/tasks/workers")).taskWorkersStart();
  return { caller, hostIds };
}
