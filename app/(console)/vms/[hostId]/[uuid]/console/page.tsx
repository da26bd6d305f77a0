import { requirePageUser } from "@/lib/http/page-guard";
import { privilegesAt } from "@/lib/authz";
import { pageTitle } from "@/lib/i18n/server";
import { ConsoleLoader } from "@/components/console/console-loader";
import { isConsoleKind } from "@/components/console/kinds";

export const dynamic = "force-dynamic";

export const generateMetadata = pageTitle("console", "pageTitle");

/** A VM's console (?kind=vnc|spice|serial, VNC by default), meant for a tab or window of its own. */
export default async function ConsolePage({
  params,
  searchParams,
}: {
  params: Promise<{ hostId: string; uuid: string }>;
  searchParams: Promise<{ kind?: string | string[] }>;
}) {
  const { hostId, uuid } = await params;
  const { kind } = await searchParams;
  const user = await requirePageUser("vm.console", `/vms/${hostId}/${uuid}/console`, { hostId, vmUuid: uuid });
  const held = await privilegesAt(user.principal, { hostId, vmUuid: uuid });
  const k = isConsoleKind(kind) ? kind : "vnc";
  return (
    <ConsoleLoader
      key={`${hostId}/${uuid}/${k}`}
      hostId={hostId}
      uuid={uuid}
      kind={k}
      canTakeover={held.has("vm.console.takeover")}
    />
  );
}
