"use client";
import { useState } from "react";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { useIsos, useStoragePools, useVolumes } from "@/components/data/use-storage";
import { PageHeader } from "@/components/shell/page-header";
import { ErrorBanner } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { DatabaseIcon, PlusIcon } from "@/components/ui/icons";
import { Select } from "@/components/ui/input";
import type { StorageVolume } from "@/lib/contracts/storage";
import { useVmFormat } from "@/components/vms/use-vm-format";
import { PoolsCard } from "./pools-card";
import { UploadDialog } from "./upload-dialog";
import { VolumeCreateDialog } from "./volume-create-dialog";
import { VolumesCard } from "./volumes-card";

export interface StorageHostOption {
  id: string;
  name: string;
  /** The user holds storage.manage on this host: upload, create and delete are shown. */
  canManage: boolean;
}

export function StorageClient({ hosts }: { hosts: StorageHostOption[] }) {
  const t = useTranslations("storage");
  const formatBytes = useVmFormat().size;
  const [hostId, setHostId] = useState(hosts[0]?.id ?? "");
  const canManage = hosts.find((h) => h.id === hostId)?.canManage ?? false;
  const poolsQuery = useStoragePools(hostId);
  const isosQuery = useIsos(hostId);
  const pools = poolsQuery.error ? [] : (poolsQuery.data?.pools ?? null);
  const isos = isosQuery.data?.isos ?? null;
  // The pool shown: the one picked while it exists and is active, else the host's first active one.
  const [picked, setPool] = useState<string | null>(null);
  const pool =
    picked && pools?.some((x) => x.name === picked && x.active) ? picked : (pools?.find((x) => x.active)?.name ?? null);
  const volumesQuery = useVolumes(hostId, pool);
  const volumes = volumesQuery.data?.volumes ?? null;
  const rescanning = useApiCall();
  const busy = rescanning.busy;
  const error = (rescanning.error ?? poolsQuery.error ?? isosQuery.error ?? volumesQuery.error)?.message ?? null;
  const [uploadOpen, setUploadOpen] = useState(false);
  const [createOpen, setCreateOpen] = useState(false);

  const refreshAll = () => {
    void poolsQuery.mutate();
    void isosQuery.mutate();
    void volumesQuery.mutate();
  };

  function rescan() {
    void rescanning.call(async () => {
      const r = await fetchJson<{ isos: StorageVolume[] }>(`/api/hosts/${hostId}/storage/isos`, { method: "POST" });
      void isosQuery.mutate(r, { revalidate: false });
      void volumesQuery.mutate();
    });
  }

  if (!hosts.length) {
    return (
      <>
        <PageHeader title={t("title")} description={t("description")} />
        <EmptyState
          testId="storage-empty"
          icon={<DatabaseIcon />}
          title={t("empty.title")}
          description={t("empty.body")}
        />
      </>
    );
  }

  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("description")}
        actions={
          <>
            <Select
              value={hostId}
              onChange={(e) => setHostId(e.target.value)}
              aria-label={t("host")}
              testId="storage-host"
            >
              {hosts.map((h) => (
                <option key={h.id} value={h.id}>
                  {h.name}
                </option>
              ))}
            </Select>
            {canManage ? (
              <>
                <Button
                  variant="secondary"
                  onClick={() => setCreateOpen(true)}
                  disabled={!pools?.some((p) => p.active)}
                  testId="volume-create-open"
                >
                  <PlusIcon className="size-4" />
                  {t("volume.create")}
                </Button>
                <Button
                  onClick={() => setUploadOpen(true)}
                  disabled={!pools?.some((p) => p.active)}
                  testId="upload-open"
                >
                  {t("upload.open")}
                </Button>
              </>
            ) : null}
          </>
        }
      />
      {error ? (
        <ErrorBanner className="mb-4" testId="storage-error">
          {error}
        </ErrorBanner>
      ) : null}

      <PoolsCard
        hostId={hostId}
        pools={pools}
        selected={pool}
        onSelect={setPool}
        canManage={canManage}
        onChanged={refreshAll}
      />

      <VolumesCard hostId={hostId} pool={pool} volumes={volumes} canManage={canManage} onChanged={refreshAll} />

      <Card testId="iso-library">
        <CardHeader
          title={t("isos.title")}
          description={t("isos.description")}
          actions={
            canManage ? (
              <Button variant="secondary" size="sm" loading={busy} onClick={rescan} testId="iso-rescan">
                {t("isos.rescan")}
              </Button>
            ) : null
          }
        />
        <CardBody>
          {isos?.length === 0 ? (
            <p className="text-sm text-slate-500 dark:text-slate-400" data-testid="iso-empty">
              {t("isos.none")}
            </p>
          ) : null}
          <ul className="divide-y divide-slate-100 dark:divide-slate-800">
            {isos?.map((v) => (
              <li
                key={`${v.pool}/${v.name}`}
                className="flex justify-between py-2 text-sm"
                data-testid="iso-row"
                data-iso={v.name}
              >
                <span className="font-medium">{v.name}</span>
                <span className="text-slate-500 dark:text-slate-400">
                  {v.pool} · {formatBytes(v.capacityBytes)}
                </span>
              </li>
            ))}
          </ul>
        </CardBody>
      </Card>

      {pools ? (
        <UploadDialog
          open={uploadOpen}
          onClose={() => setUploadOpen(false)}
          hostId={hostId}
          pools={pools}
          onDone={refreshAll}
        />
      ) : null}
      {pools ? (
        <VolumeCreateDialog
          open={createOpen}
          onClose={() => setCreateOpen(false)}
          hostId={hostId}
          pools={pools}
          onDone={refreshAll}
        />
      ) : null}
    </>
  );
}
