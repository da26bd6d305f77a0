import "server-only";
import type { HostClient } from "@/lib/hosts/client";

/**
 * Making a storage pool usable: `pool-define` (XML on stdin), `pool-build` (creates a dir pool's
 * directory), `pool-start`, `pool-autostart`, and `pool-undefine` to take back a definition whose
 * build or start failed. https://libvirt.org/formatstorage.html
 */

type Named = { host: HostClient; name: string };

/** `pool-define` from XML on stdin (one-shot: the XML never is on a command line). */
export async function poolDefine({ host, xml }: { host: HostClient; xml: string }): Promise<void> {
  await host.virshExec({ command: "pool-define", args: [{ arg: "/dev/stdin" }] }, { stdin: xml, timeoutMs: 30_000 });
}

/**
 * `pool-build`: a dir pool's directory is created (an existing one is kept with its files). No
 * --no-overwrite: for a dir pool libvirt reads it as "format the source device" and refuses.
 */
export async function poolBuild({ host, name }: Named): Promise<void> {
  await host.virsh({ command: "pool-build", args: [{ arg: name }] });
}

export async function poolStart({ host, name }: Named): Promise<void> {
  await host.virsh({ command: "pool-start", args: [{ arg: name }] });
}

export async function poolAutostartSet({ host, name, autostart }: Named & { autostart: boolean }): Promise<void> {
  await host.virsh({ command: "pool-autostart", args: [{ arg: name }, ...(autostart ? [] : [{ flag: "--disable" }])] });
}

/** `pool-undefine`, never throwing (taking back a definition after a failed build or start). */
export async function poolUndefineQuiet({ host, name }: Named): Promise<void> {
  await host.virshTry({ command: "pool-undefine", args: [{ arg: name }] }).catch(() => undefined);
}

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
