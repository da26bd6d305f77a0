import type { Metadata } from "next";
import { requirePageUser } from "@/lib/http/page-guard";
import { privilegesAt } from "@/lib/authz";
import { getT } from "@/lib/i18n/server";
import { ConsoleLoader } from "@/components/console/console-loader";
import { isConsoleKind } from "@/components/console/kinds";

export const dynamic = "force-dynamic";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getT("console"))("pageTitle") };
}

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
      csrfToken={user.csrfToken}
      canTakeover={held.has("vm.console.takeover")}
    />
  );
}
