/** Names or UUIDs from `virsh *-list --name` / `--uuid` output: one a line, blank lines dropped. */
export function virshNames(stdout: string): string[] {
  return stdout
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}

/** UUIDs from `virsh list --uuid`, lower-cased. */
export function virshUuids(stdout: string): string[] {
  return virshNames(stdout)
    .map((s) => s.toLowerCase())
    .filter((s) => /^[0-9a-f-]{36}$/.test(s));
}

/** Interface names from `virsh iface-list --all`: the first column of each row under the dashes. */
export function virshIfaceNames(stdout: string): string[] {
  const lines = stdout.split("\n");
  const rule = lines.findIndex((l) => /^-{4,}/.test(l.trim()));
  return lines
    .slice(rule + 1)
    .map((l) => l.trim().split(/\s+/)[0] ?? "")
    .filter(Boolean);
}
