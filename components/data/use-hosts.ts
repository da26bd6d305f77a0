"use client";

import { useCallback, useEffect, useRef } from "react";
import { enc, useApi, usePatch } from "@/components/data/use-api";
import type { HostInfo, HostStatus, HostView } from "@/components/hosts/types";
import { useFleetEvents, type HostEvent } from "@/components/vms/fleet-events";
import type { ProvisioningHostOptions } from "@/lib/contracts/provisioning";

const withEvent = (h: HostView, e: HostEvent): HostView => ({
  ...h,
  status: e.status as HostStatus,
  statusMessage: e.statusMessage,
});

/**
 * The hosts the caller may see (GET /api/hosts), their status kept live from the fleet events. `live: false`
 * for a form that only needs the names. `put` upserts a host a form just got back.
 */
export function useHosts({ live = true }: { live?: boolean } = {}) {
  const swr = useApi<{ hosts: HostView[] }>("/api/hosts");
  const { mutate } = swr;
  const patch = usePatch("/api/hosts", mutate);
  useFleetEvents(
    live
      ? {
          onHost: (e) => {
            if (!patch((d) => ({ hosts: d.hosts.map((h) => (h.id === e.hostId ? withEvent(h, e) : h)) })))
              void mutate();
          },
          onResync: () => void mutate(),
        }
      : {},
  );
  const put = useCallback(
    (host: HostView) => {
      const added = (d: { hosts: HostView[] }) => ({
        hosts: [...d.hosts.filter((h) => h.id !== host.id), host].sort((a, b) => a.name.localeCompare(b.name)),
      });
      if (!patch(added)) void mutate();
    },
    [patch, mutate],
  );
  return { hosts: swr.data?.hosts ?? null, error: swr.error ?? null, put, reload: () => void mutate() };
}

/**
 * One host's record (GET /api/hosts/:id). A status event may come with a new presented key fingerprint, so
 * it also rereads the record.
 */
export function useHost(hostId: string) {
  const path = `/api/hosts/${enc(hostId)}`;
  const swr = useApi<{ host: HostView }>(path);
  const { mutate } = swr;
  const patch = usePatch(path, mutate);
  useFleetEvents({
    onHost: (e) => {
      if (e.hostId !== hostId) return;
      patch((d) => ({ host: withEvent(d.host, e) }));
      void mutate();
    },
    onResync: () => void mutate(),
  });
  const put = useCallback((host: HostView) => void mutate({ host }, { revalidate: false }), [mutate]);
  return { host: swr.data?.host ?? null, error: swr.error ?? null, put, reload: () => void mutate() };
}

/** What the host says about itself (GET /api/hosts/:id/info); asked again whenever `reloadKey` changes. */
export function useHostInfo(hostId: string, reloadKey: string) {
  const swr = useApi<{ info: HostInfo }>(`/api/hosts/${enc(hostId)}/info`);
  const { mutate } = swr;
  const seen = useRef(reloadKey);
  useEffect(() => {
    if (seen.current === reloadKey) return;
    seen.current = reloadKey;
    void mutate();
  }, [reloadKey, mutate]);
  return {
    info: swr.data?.info ?? null,
    error: swr.error ?? null,
    loading: swr.isValidating,
    reload: () => void mutate(),
  };
}

/** Pools, volumes, networks and OS variants of one host, for the provisioning forms. */
export function useHostOptions(hostId: string | null) {
  const swr = useApi<{ options: ProvisioningHostOptions }>(
    hostId ? `/api/hosts/${enc(hostId)}/provisioning` : null,
  );
  return { options: swr.data?.options ?? null, loading: swr.isLoading, error: swr.error?.message ?? null };
}
