"use client";

import { useEffect, useState } from "react";
import { ApiError, fetchJson } from "@/components/api/fetch-json";
import type { ProvisioningHostOptions } from "@/lib/contracts/provisioning";

/** Pools, volumes, networks and OS variants of one host, for the provisioning forms. */
export function useHostOptions(hostId: string | null): {
  options: ProvisioningHostOptions | null;
  loading: boolean;
  error: string | null;
} {
  const [state, setState] = useState<{
    options: ProvisioningHostOptions | null;
    loading: boolean;
    error: string | null;
  }>({ options: null, loading: false, error: null });
  useEffect(() => {
    if (!hostId) {
      setState({ options: null, loading: false, error: null });
      return;
    }
    const ctrl = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    fetchJson<{ options: ProvisioningHostOptions }>(`/api/hosts/${encodeURIComponent(hostId)}/provisioning`, {
      signal: ctrl.signal,
    })
      .then((r) => setState({ options: r.options, loading: false, error: null }))
      .catch((err) => {
        if (ctrl.signal.aborted) return;
        setState({ options: null, loading: false, error: err instanceof ApiError ? err.message : String(err) });
      });
    return () => ctrl.abort();
  }, [hostId]);
  return state;
}

export interface HostChoice {
  id: string;
  name: string;
  status: string;
}

/** Hosts the user may see (GET /api/hosts); empty when they may not list hosts. */
export function useHosts(): HostChoice[] {
  const [hosts, setHosts] = useState<HostChoice[]>([]);
  useEffect(() => {
    fetchJson<{ hosts: HostChoice[] }>("/api/hosts")
      .then((r) => setHosts(r.hosts))
      .catch(() => setHosts([]));
  }, []);
  return hosts;
}

export const MiB = 1024 * 1024;
