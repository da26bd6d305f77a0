import { headers } from "next/headers";
import { requirePageUser } from "@/lib/http/page-guard";
import { clientAddress } from "@/lib/http/client-address";
import { privilegesAnywhere, privilegesAt, visibility } from "@/lib/authz";
import { callerOf } from "@/lib/authz/caller";
import { FleetQuerySchema, fleetVms } from "@/lib/fleet/vms";
import { taskList } from "@/lib/tasks/tasks";
import { pageTitle } from "@/lib/i18n/server";
import { DashboardView, type DashboardData, type DashboardHost } from "@/components/dashboard/dashboard-view";

export const dynamic = "force-dynamic";

export const generateMetadata = pageTitle("dashboard", "title");

/** The console opens on the fleet at a glance: what the user may see, nothing more. */
export default async function DashboardPage() {
  const user = await requirePageUser(undefined, "/");
  const caller = callerOf(user.principal, clientAddress(await headers()));
  const [held, global] = await Promise.all([privilegesAnywhere(user.principal), privilegesAt(user.principal)]);
  const [page, tasks] = await Promise.all([
    fleetVms(FleetQuerySchema.parse({ pageSize: 200 }), await visibility(user.principal, "vm.view")),
    taskList(caller, { limit: 6 }),
  ]);
  const totals = { total: page.total, running: 0, paused: 0, shutoff: 0, other: 0 };
  const perHost = new Map<string, number>();
  for (const vm of page.vms) {
    if (vm.state === "running" || vm.state === "paused" || vm.state === "shutoff") totals[vm.state] += 1;
    else totals.other += 1;
    perHost.set(vm.hostId, (perHost.get(vm.hostId) ?? 0) + 1);
  }
  const hosts: DashboardHost[] | null = held.has("host.view")
    ? page.hosts.map((h) => ({ id: h.id, name: h.name, status: h.status, error: h.error, vms: perHost.get(h.id) ?? 0 }))
    : null;
  const data: DashboardData = {
    totals,
    hosts,
    unreachable: page.hosts.filter((h) => h.error).length,
    tasks,
    canAudit: global.has("audit.view"),
  };
  return <DashboardView data={data} />;
}
