"use client";
import { useState } from "react";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useConfirmAction } from "@/components/api/use-action";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/dialog";
import { TBody, TD, TH, THead, TR, Table, TableEmpty } from "@/components/ui/table";
import { useVmFormat } from "@/components/vms/use-vm-format";
import type { StorageVolume } from "@/lib/contracts/storage";
import { VolumeCloneDialog, VolumeResizeDialog } from "./volume-op-dialogs";

/** Where the browser downloads a volume from (GET; resumable with Range, see the route). */
const downloadUrl = (hostId: string, v: StorageVolume) =>
  `/api/hosts/${encodeURIComponent(hostId)}/storage/volumes/download?${new URLSearchParams({ pool: v.pool, name: v.name })}`;

/**
 * The volumes of the chosen pool; storage managers resize, clone (a task), download (the browser
 * shows the progress and resumes an interrupted download) and delete (confirmed) them.
 */
export function VolumesCard({
  hostId,
  pool,
  volumes,
  canManage,
  onChanged,
}: {
  hostId: string;
  pool: string | null;
  volumes: StorageVolume[] | null;
  canManage: boolean;
  onChanged: () => void;
}) {
  const t = useTranslations("storage");
  const tp = useTranslations("pools");
  const formatBytes = useVmFormat().size;
  const [resizing, setResizing] = useState<StorageVolume | null>(null);
  const [cloning, setCloning] = useState<StorageVolume | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const remove = useConfirmAction(async (v: StorageVolume) => {
    await fetchJson(`/api/hosts/${hostId}/storage/volumes/delete`, { body: { pool: v.pool, name: v.name } });
    onChanged();
  });
  return (
    <>
      <Card className="mb-6" testId="volumes-card">
        <CardHeader title={pool ? t("volumes.titleOf", { pool }) : t("volumes.title")} />
        {notice ? (
          <div className="px-4 pb-2">
            <Alert tone="success" onDismiss={() => setNotice(null)} testId="volumes-notice">
              {notice}
            </Alert>
          </div>
        ) : null}
        <Table caption={t("volumes.title")}>
          <THead>
            <TR>
              <TH>{t("volumes.name")}</TH>
              <TH>{t("volumes.format")}</TH>
              <TH>{t("volumes.capacity")}</TH>
              <TH>{t("volumes.allocation")}</TH>
              <TH>{t("volumes.backing")}</TH>
              {canManage ? (
                <TH>
                  <span className="sr-only">{t("volumes.actions")}</span>
                </TH>
              ) : null}
            </TR>
          </THead>
          <TBody>
            {volumes?.length === 0 ? <TableEmpty colSpan={canManage ? 6 : 5}>{t("volumes.none")}</TableEmpty> : null}
            {volumes?.map((v) => (
              <TR key={v.name} testId="volume-row" data-volume={v.name}>
                <TD wrap>
                  <span className="font-medium">{v.name}</span>
                  <span className="block text-xs text-slate-500 dark:text-slate-400">{v.path}</span>
                </TD>
                <TD>{v.iso ? "ISO" : (v.format ?? "—")}</TD>
                <TD>{formatBytes(v.capacityBytes)}</TD>
                <TD>{formatBytes(v.allocationBytes)}</TD>
                <TD wrap>{v.backingPath ?? "—"}</TD>
                {canManage ? (
                  <TD>
                    <div className="flex flex-wrap justify-end gap-1">
                      <a
                        href={downloadUrl(hostId, v)}
                        download={v.name}
                        title={tp("volume.downloadHint", { name: v.name, size: formatBytes(v.allocationBytes) })}
                        className="inline-flex items-center rounded-md px-2 py-1 text-sm font-medium text-indigo-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-indigo-300 dark:hover:bg-slate-800"
                        data-testid="volume-download"
                      >
                        {tp("volume.download")}
                      </a>
                      {!v.iso ? (
                        <Button size="sm" variant="ghost" onClick={() => setResizing(v)} testId="volume-resize">
                          {tp("volume.resize")}
                        </Button>
                      ) : null}
                      <Button size="sm" variant="ghost" onClick={() => setCloning(v)} testId="volume-clone">
                        {tp("volume.clone")}
                      </Button>
                      <Button size="sm" variant="ghost" onClick={() => remove.ask(v)} testId="volume-delete">
                        {t("volume.delete")}
                      </Button>
                    </div>
                  </TD>
                ) : null}
              </TR>
            ))}
          </TBody>
        </Table>
      </Card>

      <ConfirmDialog
        {...remove.dialog}
        title={t("volume.deleteTitle", { name: remove.target?.name ?? "" })}
        description={t("volume.deleteBody", { path: remove.target?.path ?? "" })}
        confirmLabel={t("volume.delete")}
        tone="danger"
        testId="volume-delete-dialog"
      />
      <VolumeResizeDialog
        hostId={hostId}
        volume={resizing}
        onClose={() => setResizing(null)}
        onDone={(v) => {
          setNotice(tp("volume.resized", { name: v.name, size: formatBytes(v.capacityBytes) }));
          onChanged();
        }}
      />
      <VolumeCloneDialog
        hostId={hostId}
        volume={cloning}
        onClose={() => setCloning(null)}
        onQueued={(_task, newName) => {
          setNotice(tp("volume.cloneQueued", { name: cloning?.name ?? "", newName }));
          onChanged();
        }}
      />
    </>
  );
}
