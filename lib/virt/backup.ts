import "server-only";
import type { HostClient } from "@/lib/hosts/client";
import { parseDomJobInfo, type DomJobInfo } from "@/lib/libvirt/domjobinfo-parse";

/**
 * libvirt's backup job on a domain (push mode): begin, watch, abort.
 * https://libvirt.org/formatbackup.html
 */

type Domain = { host: HostClient; uuid: string };

/**
 * Starts a push-mode backup. `backupXmlPath` and `checkpointXmlPath` are files on the VM's host
 * (virsh reads them there). Returns once the job runs; watch it with backupJobInfo.
 */
export async function backupBegin({
  host,
  uuid,
  backupXmlPath,
  checkpointXmlPath,
}: Domain & { backupXmlPath: string; checkpointXmlPath?: string }): Promise<void> {
  await host.virsh({
    command: "backup-begin",
    args: [{ domain: uuid }, { arg: backupXmlPath }, ...(checkpointXmlPath ? [{ arg: checkpointXmlPath }] : [])],
  });
}

/** The domain's current job (type "none" when it has none). */
export async function backupJobInfo({ host, uuid }: Domain): Promise<DomJobInfo> {
  const [out] = await host.virsh({ command: "domjobinfo", args: [{ domain: uuid }, { flag: "--rawstats" }] });
  return parseDomJobInfo(out);
}

/** The statistics of the domain's last finished job ("completed", "failed" or "cancelled"). */
export async function backupJobCompleted({ host, uuid }: Domain): Promise<DomJobInfo | null> {
  const [r] = await host.virshTry({
    command: "domjobinfo",
    args: [{ domain: uuid }, { flag: "--completed" }, { flag: "--rawstats" }],
  });
  return r.ok ? parseDomJobInfo(r.stdout) : null;
}

/** Aborts the domain's running job; false when it had none. */
export async function backupJobAbort({ host, uuid }: Domain): Promise<boolean> {
  const [r] = await host.virshTry({ command: "domjobabort", args: [{ domain: uuid }] });
  return r.ok;
}
