import "server-only";
import { z } from "zod";
import { auditRecord } from "@/lib/audit/audit";
import { DomainUuidSchema } from "@/lib/contracts/libvirt";
import { SnapshotNameSchema } from "@/lib/contracts/snapshot";
import type { HostClient } from "@/lib/hosts/client";
import { virshMessage } from "@/lib/hosts/client-errors";
import { AppError } from "@/lib/http/errors";
import { snapshotDomainFacts, type SnapshotDomainFacts, type SnapshotWire } from "@/lib/libvirt/snapshot-xml";
import type { Version } from "@/lib/libvirt/version-parse";
import type { HostView } from "@/lib/fleet/hosts";
import { hostClient } from "@/lib/fleet/runtime";
import { domainStateAndXmlTry } from "@/lib/virt/domain";
import { libvirtVersion, snapshotTreeRead } from "@/lib/virt/snapshot";

/** A VM as snapshots see it (live facts, snapshots, libvirt version), its audit, and the task kinds. */

export const SNAPSHOT_CREATE_KIND = "vm.snapshot.create";
export const SNAPSHOT_REVERT_KIND = "vm.snapshot.revert";
export const SNAPSHOT_DELETE_KIND = "vm.snapshot.delete";

type Client = HostClient<HostView>;

/** The VM as snapshots need it: live facts, state, snapshots, the current one, libvirt's version. */
export interface SnapshotVm {
  client: Client;
  uuid: string;
  name: string;
  state: string;
  facts: SnapshotDomainFacts;
  snapshots: SnapshotWire[];
  current: string | null;
  version: Version | null;
}

function uuidOf(raw: string): string {
  const r = DomainUuidSchema.safeParse(raw);
  if (!r.success) throw new AppError("not_found", "VM not found");
  return r.data.toLowerCase();
}

/** A snapshot name from a path: one virsh could misread names nothing (404). */
export function snapshotNameOf(raw: string): string {
  const r = SnapshotNameSchema.safeParse(raw);
  if (!r.success) throw new AppError("not_found", "No such snapshot");
  return r.data;
}

export async function snapshotVmRead(hostId: string, rawUuid: string): Promise<SnapshotVm> {
  const uuid = uuidOf(rawUuid);
  if (!z.uuid().safeParse(hostId).success) throw new AppError("not_found", "VM not found");
  const client = await hostClient(hostId, { commandErrorCode: "action_failed" });
  const [{ state, xml }, tree, version] = await Promise.all([
    domainStateAndXmlTry({ host: client, uuid }),
    snapshotTreeRead({ host: client, uuid }).catch(() => null),
    libvirtVersion({ host: client }).catch(() => null),
  ]);
  if (!state.ok || !xml.ok || !tree) throw new AppError("not_found", "VM not found");
  const facts = snapshotDomainFacts(xml.stdout);
  return {
    client,
    uuid,
    name: facts.name,
    state: state.stdout.trim().split("\n")[0]!.trim(),
    facts,
    snapshots: tree.snapshots,
    current: tree.current,
    version,
  };
}

export function auditor(
  actor: { id: string | null; name: string },
  ip: string,
  hostId: string,
  vm: { uuid: string; name: string },
) {
  return (action: string, outcome: "success" | "failure", details: Record<string, unknown>) =>
    auditRecord({
      actor: { id: actor.id, name: actor.name },
      action: `vm.snapshot.${action}`,
      outcome,
      target: { type: "vm", id: `${hostId}/${vm.uuid}`, name: vm.name },
      ip,
      details,
    });
}

export const ActorSchema = z.object({ userId: z.string(), username: z.string(), ip: z.string() });

export function handlerAudit(input: z.infer<typeof ActorSchema> & { hostId: string }, vm: SnapshotVm) {
  return auditor({ id: input.userId, name: input.username }, input.ip, input.hostId, vm);
}

/** A task step virsh refused: the task fails with libvirt's message. */
export function hostFailed(vm: SnapshotVm, stderr: string): AppError {
  return new AppError("action_failed", `${vm.client.host.name}: ${virshMessage(stderr)}`);
}

/** The VM read again after a change, retried while the host reconnects (null when it stays unreachable). */
export async function readAgain(hostId: string, uuid: string, attempts = 4): Promise<SnapshotVm | null> {
  for (let i = 0; i < attempts; i++) {
    const vm = await snapshotVmRead(hostId, uuid).catch(() => null);
    if (vm) return vm;
    await new Promise((r) => setTimeout(r, 1000 * (i + 1)));
  }
  return null;
}
