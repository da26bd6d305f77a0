// Shared setup for provisioning tests on host 1: the test's own pool (testPoolCreate), a fleet with
// host 1 added, and the task workers running one task at a time.
import { fleetSetup, stackEnv, type FleetContext, type HostView } from "./fleet-stack";
import { testPoolCreate, type TestPool } from "./provisioning-pool";

export interface ProvisioningStack {
  pool: TestPool;
  f: FleetContext;
  host: HostView;
  /** Stops the workers, removes the pool and the test's domains, tears the fleet down. */
  close(): Promise<void>;
}

export async function provisioningStackStart(prefix: string): Promise<ProvisioningStack> {
  const pool = testPoolCreate(prefix);
  let f: FleetContext | undefined;
  try {
    f = await fleetSetup();
    const host = await f.addHost(stackEnv().host1);
    const workers = await import("@/lib/tasks/workers");
    await workers.taskWorkersStart({ concurrency: 1, pollingIntervalSeconds: 0.5 });
    const fleet = f;
    return {
      pool,
      f: fleet,
      host,
      async close() {
        await workers.taskWorkersStop({ graceMs: 1000 });
        pool.cleanup();
        await fleet.teardown();
      },
    };
  } catch (err) {
    pool.cleanup();
    await f?.teardown();
    throw err;
  }
}
