"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import type { SWRConfiguration } from "swr";
import type { ApiError } from "@/components/api/fetch-json";
import type { VmHardwareResponse } from "@/lib/contracts/hardware";
import { enc, useApi, usePatch } from "@/components/data/use-api";
import { useFleetEvents } from "@/components/vms/fleet-events";
import { vmKey, type VmDetail, type VmListResponse, type VmSummary } from "@/components/vms/types";
import { knownVmsRemember, vmListApplyEvent, type KnownVms } from "@/components/vms/vm-list-live";
import { PAGE_SIZE, pageCount, vmListQueryParams, type VmListQuery } from "@/components/vms/vm-list-query";

const RELOAD_DEBOUNCE_MS = 300;
/** A safety net under the live events while the tab is visible, so a missed event never stays on screen. */
const SAFETY_RELOAD_MS = 30_000;

/**
 * One page of the fleet's VMs (GET /api/vms: filter, sort and paging on the server), kept live: the fleet
 * events update rows in the cache in place, and only an event that may change the page itself (a VM came or
 * went, or crossed the state filter) costs one debounced reload. Revalidates when the tab comes back.
 * `onPageGone(last)`: the page emptied under us, show the last one that has rows.
 */
export function useVms(query: VmListQuery, onPageGone: (lastPage: number) => void) {
  const known = useRef<KnownVms>(new Map());
  const queryRef = useRef(query);
  const path = `/api/vms?${vmListQueryParams(query, { pageSize: PAGE_SIZE })}`;
  const swr = useApi<VmListResponse>(path, {
    keepPreviousData: true,
    revalidateOnFocus: true,
    refreshInterval: SAFETY_RELOAD_MS,
    onSuccess: (r) => knownVmsRemember(known.current, r.vms),
  });
  const { data, mutate } = swr;
  const patch = usePatch(path, mutate);
  useEffect(() => {
    queryRef.current = query;
  });

  useEffect(() => {
    if (!data || data.vms.length > 0) return;
    const last = pageCount(data.total, data.pageSize || PAGE_SIZE);
    if (query.page > last) onPageGone(last);
  }, [data, query.page, onPageGone]);

  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const reloadSoon = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      timer.current = null;
      void mutate();
    }, RELOAD_DEBOUNCE_MS);
  }, [mutate]);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  // Before the first answer there is nothing to patch: read the page again once the events settle.
  const live = useFleetEvents({
    onVm: (event) => {
      const patched = patch((d) => {
        const r = vmListApplyEvent(d.vms, event, queryRef.current, known.current);
        if (r.refetch) reloadSoon();
        if (r.vms === d.vms) return d;
        // A row that went away leaves the count too, until the reload fills the page again.
        return { ...d, vms: r.vms, total: d.total - (d.vms.length - r.vms.length) };
      });
      if (!patched) reloadSoon();
    },
    onHost: (event) => {
      const patched = patch((d) => {
        const h = d.hosts.find((x) => x.id === event.hostId);
        if (!h || h.status === event.status) return d;
        reloadSoon(); // a host came back or went away: its VMs and its warning line change
        return { ...d, hosts: d.hosts.map((x) => (x.id === event.hostId ? { ...x, status: event.status } : x)) };
      });
      if (!patched) reloadSoon();
    },
    onResync: reloadSoon,
  });

  /** Puts a VM an action just answered with into the page, without waiting for its event. */
  const put = useCallback(
    (vm: VmSummary) => {
      known.current.set(vmKey(vm), vm.state);
      if (!patch((d) => ({ ...d, vms: d.vms.map((v) => (vmKey(v) === vmKey(vm) ? vm : v)) }))) void mutate();
    },
    [patch, mutate],
  );

  return { ...swr, live, put, reload: () => void mutate() };
}

/** One VM's record as last read (GET /api/vms/:hostId/:uuid), without following its events. */
export function useVmRecord(hostId: string, uuid: string, config?: SWRConfiguration<{ vm: VmDetail }, ApiError>) {
  return useApi<{ vm: VmDetail }>(vmPath(hostId, uuid), config);
}

const vmPath = (hostId: string, uuid: string) => `/api/vms/${enc(hostId)}/${enc(uuid)}`;

/**
 * One VM's page data (GET /api/vms/:hostId/:uuid), kept live: its fleet events merge into the cache, and a
 * change of state (which changes the XML: live vs inactive, ports) rereads the details once things settle.
 * `gone`: the VM went away under the page. Revalidates when the tab comes back.
 */
export function useVm(hostId: string, uuid: string) {
  const [gone, setGone] = useState(false);
  const swr = useVmRecord(hostId, uuid, { revalidateOnFocus: true, onSuccess: () => setGone(false) });
  const { mutate } = swr;
  const patch = usePatch(vmPath(hostId, uuid), mutate);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const reloadSoon = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void mutate(), RELOAD_DEBOUNCE_MS);
  }, [mutate]);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  /** Merges a summary (an event, an action's answer) into the details. */
  const merge = useCallback(
    (summary: VmSummary) => {
      const patched = patch((cur) => {
        const vm = cur.vm;
        if (
          vm.state !== summary.state ||
          vm.autostart !== summary.autostart ||
          vm.hasManagedSave !== summary.hasManagedSave
        )
          reloadSoon();
        return { vm: { ...vm, ...summary } };
      });
      if (!patched) reloadSoon();
    },
    [patch, reloadSoon],
  );

  const live = useFleetEvents({
    onVm: (e) => {
      if (e.hostId !== hostId || e.uuid !== uuid) return;
      if (e.vm) merge(e.vm);
      else setGone(true);
    },
    onResync: reloadSoon,
  });

  return { vm: swr.data?.vm ?? null, error: swr.error ?? null, loading: swr.isLoading, gone, live, merge, reload: () => void mutate() };
}

/** A VM's hardware as the edit panel shows it, persistent and live (GET .../hardware). */
export function useVmHardware(hostId: string, uuid: string) {
  return useApi<{ hardware: VmHardwareResponse }>(`/api/vms/${enc(hostId)}/${enc(uuid)}/hardware`);
}
