/**
 * QEMU machine types as a host lists them (`virsh capabilities`: ~60 on x86, e.g. "pc-q35-9.2",
 * "pc-i440fx-2.12", "q35", "pc", "microvm"), grouped for a select: the two aliases for the newest
 * Q35 and i440FX first, then each family newest first, then the rest. Pure, for the browser.
 */
export type MachineGroupKey = "recommended" | "q35" | "i440fx" | "other";

export interface MachineGroup {
  key: MachineGroupKey;
  types: string[];
}

/** "q35" and "pc" are QEMU's aliases of the newest versioned Q35 and i440FX machines. */
export const MACHINE_RECOMMENDED = ["q35", "pc"] as const;

/**
 * The machine type a new VM gets unless the user picks another: "pc", QEMU's newest i440FX. It is
 * what libvirt picked on x86 when none was given, now shown and pinned to the newest version, and
 * keeps the IDE CD-ROM that installers and existing templates expect; q35 is one click away.
 */
export const MACHINE_DEFAULT = "pc";

function versionOf(type: string): number[] {
  const m = /-(\d+(?:\.\d+)*)$/.exec(type);
  return m ? m[1].split(".").map(Number) : [];
}

/** Newest version first; unversioned names after, alphabetically. */
function newestFirst(a: string, b: string): number {
  const va = versionOf(a);
  const vb = versionOf(b);
  for (let i = 0; i < Math.max(va.length, vb.length); i++) {
    const d = (vb[i] ?? -1) - (va[i] ?? -1);
    if (d) return d;
  }
  return a.localeCompare(b);
}

export function machineTypeGroups(types: readonly string[]): MachineGroup[] {
  const unique = [...new Set(types)].filter((t) => !(MACHINE_RECOMMENDED as readonly string[]).includes(t));
  const q35 = unique.filter((t) => /^pc-q35-/.test(t)).sort(newestFirst);
  const i440fx = unique.filter((t) => /^pc-i440fx-/.test(t) || /^pc-\d/.test(t)).sort(newestFirst);
  const other = unique.filter((t) => !q35.includes(t) && !i440fx.includes(t)).sort(newestFirst);
  const groups: MachineGroup[] = [
    { key: "recommended", types: [...MACHINE_RECOMMENDED] },
    { key: "q35", types: q35 },
    { key: "i440fx", types: i440fx },
    { key: "other", types: other },
  ];
  return groups.filter((g) => g.types.length > 0);
}
