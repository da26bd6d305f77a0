/**
 * Where virtdeck's inventory time goes: the same steps as lib/fleet/inventory.ts refresh(), run
 * in the bench process with the same lib primitives (ssh2 transport, long-lived virsh session,
 * parsers, summaries), each timed on its own. Not a copy of the product path, a decomposition of it:
 * HTTP, auth and database costs are measured separately against the server.
 */
import { connectSsh } from "@/lib/hosts/ssh-transport";
import { VirshSession } from "@/lib/hosts/virsh-session";
import { virshCommand } from "@/lib/hosts/virsh-command";
import { parseDomainXml } from "@/lib/libvirt/domain-xml-parse";
import { parseDomstats } from "@/lib/libvirt/domstats-parse";
import { toVmSummary, type VmSummary } from "@/lib/fleet/vm-view";
import type { HostTransport } from "@/lib/hosts/transport";
import { readKey, type BenchHost } from "../lib/stack";
import { now } from "../lib/stats";

// lib/fleet/inventory.ts's LISTS (not exported): keep in step.
const LISTS = [
  virshCommand({ command: "list", args: [{ flag: "--all" }, { flag: "--uuid" }] }),
  virshCommand({ command: "list", args: [{ flag: "--all" }, { flag: "--autostart" }, { flag: "--uuid" }] }),
  virshCommand({ command: "list", args: [{ flag: "--all" }, { flag: "--with-managed-save" }, { flag: "--uuid" }] }),
  virshCommand({ command: "list", args: [{ flag: "--transient" }, { flag: "--uuid" }] }),
  virshCommand({
    command: "domstats",
    args: [{ flag: "--raw" }, { flag: "--state" }, { flag: "--cpu-total" }, { flag: "--balloon" }, { flag: "--vcpu" }],
  }),
];

const PS = ["ps", "-o", "etimes=,args=", "-C", "qemu-system-x86_64,qemu-system-aarch64,qemu-kvm"];

export interface HostSteps {
  /** SSH connect + auth + host key check. */
  connect: number;
  /** First exec channel: remote shell + `virsh -q -c URI` + framing handshake. */
  sessionOpen: number;
  /** The 5 list/domstats commands as one pipelined batch. */
  lists: number;
  /** N dumpxml as one pipelined batch. */
  dumpxml: number;
  /** The `ps` exec for QEMU start times (cold only, when guests run). */
  ps: number;
  /** parseDomainXml for every domain (synchronous CPU). */
  parseXml: number;
  /** parseDomstats of the whole output. */
  parseStats: number;
  /** toVmSummary for every domain. */
  summaries: number;
  domains: number;
  xmlBytes: number;
  statsBytes: number;
}

export interface ColdProfile {
  hosts: Record<string, HostSteps>;
  /** Across both hosts (in parallel, as the product does): sorting the fleet + JSON of a 200-row page. */
  sortJson: number;
  wall: number;
}

const uuids = (out: string) =>
  out
    .split("\n")
    .map((l) => l.trim().toLowerCase())
    .filter(Boolean);

async function hostCold(h: BenchHost, out: VmSummary[][], idx: number): Promise<HostSteps> {
  let t = now();
  const transport: HostTransport = await connectSsh({
    host: h.address,
    port: h.port,
    username: h.username,
    privateKey: readKey(h),
    expectedHostKeySha256: h.hostKeySha256,
    readyTimeoutMs: 8_000,
  });
  const connect = now() - t;
  const session = new VirshSession({ uri: h.uri, transport: () => transport });
  try {
    t = now();
    await session.run(virshCommand({ command: "uri" }));
    const sessionOpen = now() - t;
    t = now();
    const lists = await session.batch(LISTS);
    const listsMs = now() - t;
    const ids = uuids(lists[0].stdout);
    t = now();
    const xmls = await session.batch(ids.map((id) => virshCommand({ command: "dumpxml", args: [{ domain: id }] })));
    const dumpxml = now() - t;
    t = now();
    await transport.run(PS, { timeoutMs: 15_000 });
    const psMs = now() - t;
    t = now();
    const wires = xmls.filter((r) => r.ok).map((r) => parseDomainXml(r.stdout));
    const parseXml = now() - t;
    t = now();
    const stats = new Map(parseDomstats(lists[4].stdout).map((s) => [s.name, s]));
    const parseStats = now() - t;
    t = now();
    const auto = new Set(uuids(lists[1].stdout));
    const managed = new Set(uuids(lists[2].stdout));
    const transient = new Set(uuids(lists[3].stdout));
    out[idx] = wires.map((w) =>
      toVmSummary(
        { id: h.key, name: h.name },
        w,
        stats.get(w.name),
        { autostart: auto.has(w.uuid), hasManagedSave: managed.has(w.uuid), persistent: !transient.has(w.uuid) },
        { cpuPercent: null, uptimeSeconds: null },
      ),
    );
    const summaries = now() - t;
    return {
      connect,
      sessionOpen,
      lists: listsMs,
      dumpxml,
      ps: psMs,
      parseXml,
      parseStats,
      summaries,
      domains: ids.length,
      xmlBytes: xmls.reduce((a, r) => a + Buffer.byteLength(r.stdout), 0),
      statsBytes: Buffer.byteLength(lists[4].stdout),
    };
  } finally {
    session.close();
    transport.close();
  }
}

const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

/** One cold decomposition: fresh connections, everything re-read and re-parsed. */
export async function profileCold(hosts: readonly BenchHost[]): Promise<ColdProfile> {
  const t0 = now();
  const out: VmSummary[][] = hosts.map(() => []);
  const steps = await Promise.all(hosts.map((h, i) => hostCold(h, out, i)));
  const t = now();
  const all = out.flat();
  all.sort((a, b) => collator.compare(a.name, b.name) || a.uuid.localeCompare(b.uuid));
  JSON.stringify({ vms: all.slice(0, 200), total: all.length });
  const sortJson = now() - t;
  return { hosts: Object.fromEntries(hosts.map((h, i) => [h.key, steps[i]])), sortJson, wall: now() - t0 };
}

/** Warm decomposition on open sessions: the 5-command batch and its parsing, per host. */
export class WarmProfiler {
  #open: { h: BenchHost; transport: HostTransport; session: VirshSession }[] = [];

  async open(hosts: readonly BenchHost[]): Promise<void> {
    for (const h of hosts) {
      const transport = await connectSsh({
        host: h.address,
        port: h.port,
        username: h.username,
        privateKey: readKey(h),
        expectedHostKeySha256: h.hostKeySha256,
      });
      const session = new VirshSession({ uri: h.uri, transport: () => transport });
      await session.run(virshCommand({ command: "uri" }));
      this.#open.push({ h, transport, session });
    }
  }

  /** Both hosts in parallel: per-host batch time and parse time, plus the wall time. */
  async once(): Promise<{ wall: number; hosts: Record<string, { lists: number; parseStats: number }> }> {
    const t0 = now();
    const per = await Promise.all(
      this.#open.map(async ({ h, session }) => {
        let t = now();
        const r = await session.batch(LISTS);
        const lists = now() - t;
        t = now();
        parseDomstats(r[4].stdout);
        uuids(r[0].stdout);
        return [h.key, { lists, parseStats: now() - t }] as const;
      }),
    );
    return { wall: now() - t0, hosts: Object.fromEntries(per) };
  }

  close(): void {
    for (const o of this.#open) {
      o.session.close();
      o.transport.close();
    }
    this.#open = [];
  }
}
