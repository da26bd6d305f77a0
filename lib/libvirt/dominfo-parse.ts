import { vmStateFromText, type VmState } from "./vm-state";

/** What `virsh dominfo` says of a domain's state and flags (one domain, no libvirt job taken). */
export interface DominfoWire {
  state: VmState;
  persistent: boolean;
  autostart: boolean;
  hasManagedSave: boolean;
}

/** Parses `virsh dominfo` output ("Key:   value" lines); missing keys read as "no". */
export function parseDominfo(text: string): DominfoWire {
  const fields = new Map<string, string>();
  for (const line of text.split("\n")) {
    const i = line.indexOf(":");
    if (i > 0)
      fields.set(
        line.slice(0, i).trim().toLowerCase(),
        line
          .slice(i + 1)
          .trim()
          .toLowerCase(),
      );
  }
  return {
    state: vmStateFromText(fields.get("state") ?? ""),
    persistent: fields.get("persistent") === "yes",
    autostart: fields.get("autostart") === "enable",
    hasManagedSave: fields.get("managed save") === "yes",
  };
}
