/**
 * `virsh -q vol-list POOL` -> volume names and paths. virsh prints a padded two-column table
 * ("name   path"), and names may contain spaces, so a row is split where its path begins: at the
 * pool's target path when it is known (dir, fs, netfs and logical pools put volumes under it),
 * else at the last run of two or more spaces.
 */
export interface VolListEntry {
  name: string;
  path: string;
}

export function parseVolList(stdout: string, targetPath?: string): VolListEntry[] {
  const out: VolListEntry[] = [];
  const prefix = targetPath ? ` ${targetPath.replace(/\/+$/, "")}/` : null;
  for (const raw of stdout.split("\n")) {
    const line = raw.replace(/\s+$/, "");
    if (!line.trim() || /^-+$/.test(line.trim()) || /^\s*Name\s+Path$/.test(line)) continue;
    let name: string;
    let path: string;
    const at = prefix ? line.indexOf(prefix) : -1;
    if (at >= 0) {
      name = line.slice(0, at).trim();
      path = line.slice(at + 1).trim();
    } else {
      const m = /^\s*(.+?)\s{2,}(\S.*)$/.exec(line);
      if (!m) {
        out.push({ name: line.trim(), path: "" });
        continue;
      }
      name = m[1];
      path = m[2].trim();
    }
    if (name) out.push({ name, path });
  }
  return out;
}
