/**
 * What still depends on a disk file on a host: other VMs (as a disk, or anywhere in one of their
 * disks' backing chains), volumes whose backing file it is (linked-clone overlays, also those no
 * VM uses any more), template records using it as their base image, and queued or running
 * create/clone tasks that will copy it or lay an overlay on it. Pure: the caller gathers the
 * facts (lib/provisioning/volume-dependents.ts); unit tests feed them directly.
 */

export interface DependentVm {
  uuid: string;
  name: string;
  /** disk: as a disk drive; media: as the medium of a CD-ROM or floppy drive; backing: in a disk's backing chain. */
  via: "disk" | "media" | "backing";
}

export interface PoolVolume {
  pool: string;
  name: string;
  path: string;
  backingPath: string | null;
}

export interface DependentTemplate {
  id: string;
  name: string;
}

export interface DependentTask {
  id: string;
  title: string;
}

export interface Dependents {
  vms: DependentVm[];
  volumes: { pool: string; name: string }[];
  templates: DependentTemplate[];
  tasks: DependentTask[];
}

export interface DependentsFacts {
  /** Path -> the VMs using it (lib/storage/usage.ts storageUsage, the VM itself left out). */
  usage: ReadonlyMap<string, readonly DependentVm[]>;
  /** Every volume of the host's active pools. */
  volumes: readonly PoolVolume[];
  /** Template records: their base image, when they have one. */
  templates: readonly { id: string; name: string; source: { kind: string; pool?: string; volume?: string } }[];
  /** Queued or running create/clone tasks on the host with their input (a plan of volume steps). */
  tasks: readonly { id: string; title: string; input: unknown }[];
}

type Step = { kind?: unknown; backingPath?: unknown; srcPool?: unknown; srcName?: unknown };

function planSteps(input: unknown): Step[] {
  const volumes = (input as { plan?: { volumes?: unknown } } | null)?.plan?.volumes;
  return Array.isArray(volumes) ? (volumes.filter((v) => v && typeof v === "object") as Step[]) : [];
}

/**
 * Dependents of one file. `exceptPaths`: volumes at these paths do not count as dependents (a
 * VM's own disks when the question is about that VM as a whole). `exceptTemplateId`: a template
 * record that goes away together with the change.
 */
export function dependentsFind(
  path: string,
  facts: DependentsFacts,
  opts: { exceptPaths?: readonly string[]; exceptTemplateId?: string | null } = {},
): Dependents {
  const seen = new Set<string>();
  const vms: DependentVm[] = [];
  for (const u of facts.usage.get(path) ?? []) {
    const key = `${u.uuid}|${u.via}`;
    if (!seen.has(key)) {
      seen.add(key);
      vms.push({ uuid: u.uuid, name: u.name, via: u.via });
    }
  }
  const except = new Set(opts.exceptPaths ?? []);
  const volumes = facts.volumes
    .filter((v) => v.backingPath === path && v.path !== path && !except.has(v.path))
    .map((v) => ({ pool: v.pool, name: v.name }));
  const self = facts.volumes.find((v) => v.path === path);
  const templates = self
    ? facts.templates
        .filter(
          (t) =>
            t.id !== opts.exceptTemplateId &&
            t.source.kind === "image" &&
            t.source.pool === self.pool &&
            t.source.volume === self.name,
        )
        .map((t) => ({ id: t.id, name: t.name }))
    : [];
  const tasks = facts.tasks
    .filter((t) =>
      planSteps(t.input).some(
        (s) =>
          (s.kind === "overlay" && s.backingPath === path) ||
          (s.kind === "copy" && !!self && s.srcPool === self.pool && s.srcName === self.name),
      ),
    )
    .map((t) => ({ id: t.id, title: t.title }));
  return { vms, volumes, templates, tasks };
}

export function dependentsAny(d: Dependents): boolean {
  return d.vms.length + d.volumes.length + d.templates.length + d.tasks.length > 0;
}

/** One sentence part per kind of dependent, e.g. `VM "web-1" (its disk's backing file)`. */
export function dependentsDescribe(d: Dependents): string[] {
  const out: string[] = [];
  const direct = [...new Set(d.vms.filter((v) => v.via === "disk").map((v) => v.name))];
  const chained = [...new Set(d.vms.filter((v) => v.via === "backing" && !direct.includes(v.name)).map((v) => v.name))];
  const media = [
    ...new Set(
      d.vms
        .filter((v) => v.via === "media" && !direct.includes(v.name) && !chained.includes(v.name))
        .map((v) => v.name),
    ),
  ];
  const quoted = (names: string[]) => names.map((n) => `"${n}"`).join(", ");
  if (chained.length)
    out.push(
      `${chained.length === 1 ? "VM" : "VMs"} ${quoted(chained)} (in ${chained.length === 1 ? "its" : "their"} disks' backing chain)`,
    );
  if (direct.length) out.push(`${direct.length === 1 ? "VM" : "VMs"} ${quoted(direct)} (as a disk)`);
  if (media.length) out.push(`${media.length === 1 ? "VM" : "VMs"} ${quoted(media)} (as a CD-ROM)`);
  if (d.volumes.length)
    out.push(
      `${d.volumes.length === 1 ? "volume" : "volumes"} ${d.volumes.map((v) => `${v.pool}/${v.name}`).join(", ")} (backed by it)`,
    );
  if (d.templates.length)
    out.push(
      `${d.templates.length === 1 ? "template" : "templates"} ${quoted(d.templates.map((t) => t.name))} (as the base image)`,
    );
  if (d.tasks.length)
    out.push(`${d.tasks.length === 1 ? "task" : "tasks"} ${quoted(d.tasks.map((t) => t.title))} (still to read it)`);
  return out;
}

/** Names of the VMs among the dependents of several files, each once. */
export function dependentVmNames(all: readonly Dependents[]): string[] {
  return [...new Set(all.flatMap((d) => d.vms.map((v) => v.name)))];
}
