"use client";
import { useEffect, useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { ErrorBanner } from "@/components/ui/alert";
import { FormDialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { SizeGiBField, bytesToGib, gibToBytes } from "@/components/ui/fields";
import { Input } from "@/components/ui/input";
import type { StorageVolume } from "@/lib/contracts/storage";
import type { TaskView } from "@/lib/contracts/tasks";

/** Grow a volume (vol-resize); the server refuses shrinking and volumes a running VM uses. */
export function VolumeResizeDialog({
  hostId,
  volume,
  onClose,
  onDone,
}: {
  hostId: string;
  volume: StorageVolume | null;
  onClose: () => void;
  onDone: (v: StorageVolume) => void;
}) {
  const t = useTranslations("pools");
  const [sizeGiB, setSizeGiB] = useState("");
  const { busy, error, setError, call } = useApiCall();
  useEffect(() => {
    if (volume) {
      setSizeGiB(bytesToGib(volume.capacityBytes));
      setError(null);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- reset when another volume is chosen
  }, [volume]);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!volume) return;
    await call(async () => {
      const r = await fetchJson<{ volume: StorageVolume }>(`/api/hosts/${hostId}/storage/volumes/resize`, {
        body: { pool: volume.pool, name: volume.name, capacityBytes: gibToBytes(sizeGiB) },
      });
      onDone(r.volume);
      onClose();
    });
  }
  return (
    <FormDialog
      open={volume !== null}
      onClose={onClose}
      title={t("volume.resizeTitle", { name: volume?.name ?? "" })}
      description={t("volume.resizeBody")}
      testId="volume-resize-dialog"
      formId="volume-resize-form"
      submitLabel={t("volume.resize")}
      cancelLabel={t("close")}
      pending={busy}
      submitTestId="volume-resize-submit"
    >
      <form id="volume-resize-form" onSubmit={submit} className="space-y-4">
        <SizeGiBField
          label={t("volume.sizeGiB")}
          error={error?.fieldMessage("capacityBytes")}
          value={sizeGiB}
          onChange={setSizeGiB}
          testId="volume-resize-size"
          autoFocus
        />
        {error && !error.fieldMessage("capacityBytes") ? <ErrorBanner>{error.message}</ErrorBanner> : null}
      </form>
    </FormDialog>
  );
}

/** Clone a volume within its pool (vol-clone), as a task. */
export function VolumeCloneDialog({
  hostId,
  volume,
  onClose,
  onQueued,
}: {
  hostId: string;
  volume: StorageVolume | null;
  onClose: () => void;
  onQueued: (task: TaskView, newName: string) => void;
}) {
  const t = useTranslations("pools");
  const [newName, setNewName] = useState("");
  const { busy, error, setError, call } = useApiCall();
  useEffect(() => {
    if (volume) {
      const dot = volume.name.lastIndexOf(".");
      setNewName(dot > 0 ? `${volume.name.slice(0, dot)}-copy${volume.name.slice(dot)}` : `${volume.name}-copy`);
      setError(null);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- reset when another volume is chosen
  }, [volume]);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!volume) return;
    await call(async () => {
      const r = await fetchJson<{ task: TaskView }>(`/api/hosts/${hostId}/storage/volumes/clone`, {
        body: { pool: volume.pool, name: volume.name, newName },
      });
      onQueued(r.task, newName);
      onClose();
    });
  }
  return (
    <FormDialog
      open={volume !== null}
      onClose={onClose}
      title={t("volume.cloneTitle", { name: volume?.name ?? "" })}
      description={t("volume.cloneBody")}
      testId="volume-clone-dialog"
      formId="volume-clone-form"
      submitLabel={t("volume.clone")}
      cancelLabel={t("close")}
      pending={busy}
      submitTestId="volume-clone-submit"
    >
      <form id="volume-clone-form" onSubmit={submit} className="space-y-4">
        <Field label={t("volume.newName")} error={error?.fieldMessage("newName")} required>
          {(p) => (
            <Input
              {...p}
              value={newName}
              onChange={(e) => setNewName(e.target.value)}
              data-testid="volume-clone-name"
              data-autofocus
              spellCheck={false}
            />
          )}
        </Field>
        {error && !error.fieldMessage("newName") ? <ErrorBanner>{error.message}</ErrorBanner> : null}
      </form>
    </FormDialog>
  );
}
