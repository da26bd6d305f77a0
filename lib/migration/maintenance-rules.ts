import type { FieldIssue } from "@/lib/http/errors";
import type { HostEvacuateInput } from "@/lib/contracts/maintenance";

/** The pure rules of host maintenance (lib/migration/maintenance*.ts): which VM counts as running, how destinations rank, what an edited plan may not say. */

const RUNNING = new Set(["running", "paused", "idle", "blocked"]);

/** A guest that has memory in use on its host: it moves live, and cannot stay on a host in maintenance. */
export function vmRunning(state: string): boolean {
  return RUNNING.has(state);
}

export interface Destination {
  id: string;
  name: string;
  /** null: the host did not answer; such a host is never proposed. */
  availableKiB: number | null;
}

/** Answering destinations, most memory left in `budget` first (ties by name): the order proposals are tried in. */
export function destinationsRanked<D extends Destination>(
  dests: readonly D[],
  budget: ReadonlyMap<string, number>,
): D[] {
  return dests
    .filter((d) => d.availableKiB !== null)
    .sort((a, b) => (budget.get(b.id) ?? 0) - (budget.get(a.id) ?? 0) || a.name.localeCompare(b.name));
}

/** Field errors of an edited plan that need no host: destinations named, not the host itself, no VM twice. */
export function planShapeIssues(hostId: string, input: HostEvacuateInput): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  input.vms.forEach((e, n) => {
    if (seen.has(e.uuid)) issues.push({ path: `vms.${n}.uuid`, message: "This VM is listed twice" });
    seen.add(e.uuid);
    if (e.action !== "migrate") return;
    if (!e.destHostId) issues.push({ path: `vms.${n}.destHostId`, message: "Choose a destination" });
    else if (e.destHostId === hostId)
      issues.push({ path: `vms.${n}.destHostId`, message: "The destination is the host being evacuated" });
  });
  return issues;
}
