import "server-only";
import type { HostClient } from "@/lib/hosts/client";

/** The host itself: hostname, versions, node info and memory, capabilities, domain capabilities. */

type Host = { host: HostClient };

/** Raw outputs of hostname, version, nodeinfo, nodememstats and capabilities, in one round trip. */
export async function nodeFactsRead({
  host,
}: Host): Promise<{ hostname: string; version: string; nodeinfo: string; memstats: string; capabilities: string }> {
  const [hostname, version, nodeinfo, memstats, capabilities] = await host.virsh(
    { command: "hostname" },
    { command: "version" },
    { command: "nodeinfo" },
    { command: "nodememstats" },
    { command: "capabilities" },
  );
  return { hostname, version, nodeinfo, memstats, capabilities };
}

/** `capabilities` and `nodememstats` in one round trip. */
export async function nodeCapabilitiesAndMemory({ host }: Host): Promise<{ capabilities: string; memstats: string }> {
  const [capabilities, memstats] = await host.virsh({ command: "capabilities" }, { command: "nodememstats" });
  return { capabilities, memstats };
}

/** `domcapabilities` for a virt type, or null when virsh refuses. */
export async function nodeDomainCapabilities({
  host,
  virttype,
}: Host & { virttype: "kvm" | "qemu" }): Promise<string | null> {
  const [r] = await host.virshTry({ command: "domcapabilities", args: [{ option: "--virttype", value: virttype }] });
  return r.ok ? r.stdout : null;
}

/** QEMU process start times by domain UUID (libvirt does not report uptime): one `ps` exec. */
export async function nodeQemuStartTimes({ host }: Host): Promise<Map<string, number>> {
  const r = await host.exec(
    ["ps", "-o", "etimes=,args=", "-C", "qemu-system-x86_64,qemu-system-aarch64,qemu-kvm"],
    15_000,
  );
  const now = Date.now();
  const out = new Map<string, number>();
  for (const line of r.stdout.split("\n")) {
    const m = /^\s*(\d+)\s.*\s-uuid\s+([0-9a-f-]{36})/i.exec(line);
    if (m) out.set(m[2].toLowerCase(), now - Number(m[1]) * 1000);
  }
  return out;
}

/** `osinfo-query os` output, or null when the tool is missing or fails. */
export async function nodeOsinfoQuery({ host }: Host): Promise<string | null> {
  const r = await host.exec(["osinfo-query", "--fields=short-id,name,id", "os"]);
  return r.code === 0 ? r.stdout : null;
}
