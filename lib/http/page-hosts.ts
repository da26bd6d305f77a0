import "server-only";
import { authorize, visibility, visibilityHosts, type Principal } from "@/lib/authz";
import type { Privilege } from "@/lib/authz/privileges";
import { hostsList } from "@/lib/fleet/hosts";

/** A host a page offers, and whether the user holds the page's change privilege there. */
export interface PageHostOption {
  id: string;
  name: string;
  canManage: boolean;
}

/**
 * For pages listing per-host resources (storage, networks): the pinned hosts the user may view, each
 * with whether `manage` is held there, so changes are offered only where allowed (the routes check too).
 */
export async function pageHostOptions(principal: Principal, manage: Privilege): Promise<PageHostOption[]> {
  const hosts = (await hostsList(visibilityHosts(await visibility(principal, "host.view")))).filter(
    (h) => !!h.hostKeySha256,
  );
  return Promise.all(
    hosts.map(async (h) => ({
      id: h.id,
      name: h.name,
      canManage: await authorize(principal, manage, { hostId: h.id }),
    })),
  );
}
