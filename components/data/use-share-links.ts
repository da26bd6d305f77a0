"use client";

import { enc, useApi } from "@/components/data/use-api";
import type { ShareLinkView } from "@/lib/contracts/share-links";

/** A VM's console share links that can still be opened, and the policy's longest duration. */
export function useShareLinks(hostId: string, uuid: string) {
  return useApi<{ links: ShareLinkView[]; all: boolean; maxHours: number }>(
    `/api/vms/${enc(hostId)}/${enc(uuid)}/share-links`,
  );
}
