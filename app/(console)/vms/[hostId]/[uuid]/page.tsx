import { requirePageUser } from "@/lib/http/page-guard";
import { accessSnapshot } from "@/lib/authz";
import { pageTitle } from "@/lib/i18n/server";
import { VmDetailClient } from "@/components/vms/vm-detail-client";
import { VmAccessPanel } from "@/components/access/vm-access-panel";
import { VmSharePanel } from "@/components/share/vm-share-panel";
import { VmSnapshotsPanel } from "@/components/snapshots/vm-snapshots-panel";
import { hostGet, hostsList } from "@/lib/fleet/hosts";
import type { HostChoice } from "@/components/provisioning/use-host-options";

export const dynamic = "force-dynamic";

export const generateMetadata = pageTitle("vms", "detail.pageTitle");

export default async function VmPage({ params }: { params: Promise<{ hostId: string; uuid: string }> }) {
  const { hostId, uuid } = await params;
  const target = { hostId, vmUuid: uuid };
  // 404 for a VM the user may not view; the page then shows only the buttons the grants on this VM allow.
  const user = await requirePageUser("vm.view", `/vms/${hostId}/${uuid}`, target);
  const access = await accessSnapshot(user.principal);
  const [held, hostHeld, globalHeld] = await Promise.all([access.at(target), access.at({ hostId }), access.at()]);
  const hostName = (await hostGet(hostId).catch(() => null))?.name ?? "";
  // Migrating puts the VM on another host: offered towards the hosts where the caller may create VMs,
  // never a host in maintenance.
  const migrateTargets: HostChoice[] = [];
  if (held.has("vm.migrate")) {
    for (const h of await hostsList())
      if (h.id !== hostId && !h.maintenanceSince && (await access.at({ hostId: h.id })).has("vm.create"))
        migrateTargets.push({ id: h.id, name: h.name, status: h.status });
  }
  // The ids come decoded from the URL; the client encodes them again for API paths.
  return (
    <>
      <VmDetailClient
        key={`${hostId}/${uuid}`}
        hostId={hostId}
        uuid={uuid}
        canPower={held.has("vm.power")}
        canConsole={held.has("vm.console")}
        canViewHosts={hostHeld.has("host.view")}
        canDelete={held.has("vm.delete")}
        canEdit={held.has("vm.edit")}
        canClone={held.has("vm.clone") && hostHeld.has("vm.create")}
        canTemplate={hostHeld.has("template.manage")}
        migrateTargets={held.has("vm.migrate") ? migrateTargets : null}
        accessPanel={
          <VmAccessPanel
            hostId={hostId}
            uuid={uuid}
            hostName={hostName}
            canEditTags={globalHeld.has("user.manage")}
            canManageAccess={globalHeld.has("user.manage")}
          />
        }
      />
      <VmSnapshotsPanel
        key={`snapshots-${hostId}/${uuid}`}
        hostId={hostId}
        uuid={uuid}
        canSnapshot={held.has("vm.snapshot")}
      />
      {held.has("vm.console") ? <VmSharePanel key={`share-${hostId}/${uuid}`} hostId={hostId} uuid={uuid} /> : null}
    </>
  );
}
