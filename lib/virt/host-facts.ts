import "server-only";
import type { HostClient } from "@/lib/hosts/client";

/** Host facts a first pool or network depends on: what is at a path, which bridges exist. */

/** What is at a path on the host: "directory", "regular file", ... (`stat %F`), or null when nothing is. */
export async function hostPathKind({ host, path }: { host: HostClient; path: string }): Promise<string | null> {
  const r = await host.exec(["stat", "-L", "-c", "%F", "--", path], 15_000);
  return r.code === 0 ? r.stdout.trim() : null;
}

/** The host's Linux bridges (`ip -o link show type bridge`, in the host's own network namespace), one exec. */
export async function hostBridgeNames({ host }: { host: HostClient }): Promise<string[]> {
  const r = await host.exec(["ip", "-o", "link", "show", "type", "bridge"], 15_000);
  if (r.code !== 0) return [];
  return r.stdout
    .split("\n")
    .map((l) => /^\d+:\s+([^:@\s]+)[:@]/.exec(l.trim())?.[1])
    .filter((n): n is string => Boolean(n));
}
