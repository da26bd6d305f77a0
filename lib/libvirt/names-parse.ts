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
