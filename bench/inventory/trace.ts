/**
 * The product's own fleet-list path (fleetVms -> inventoryGet -> refresh), run in this process
 * against the bench's database with the server stopped, and traced from the outside: every SSH
 * connect, exec/stream channel and virsh session batch is timed by wrapping the runtime's pool
 * and VirshSession.batch. Whatever the refresh spends between those waits is its own CPU work
 * (XML parsing, summaries, sorting) or database time, measured separately here.
 *
 *   npx tsx --tsconfig tsconfig.server.json bench/inventory/trace.ts --data-dir DIR [--warm 5] [--gap-ms 1100]
 *
 * Prints one JSON object on stdout. Started by run.ts, once per cold sample (a fresh process is a
 * cold runtime: no connection, no session, no cached XML).
 */
import { performance } from "node:perf_hooks";
import { VISIBILITY_ALL } from "@/lib/authz/effective";

export interface Span {
  kind: "connect" | "stream" | "exec" | "batch";
  host: string;
  label: string;
  start: number;
  ms: number;
}

export interface TraceRun {
  total: number;
  json: number;
  spans: Span[];
  vms: number;
}

export interface TraceOutput {
  cold: TraceRun;
  warm: TraceRun[];
  hot: TraceRun[];
  db: { hostsList: number[]; hostGet: number[] };
  eventLoop: { maxDelayMs: number };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (name: string, def?: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : def;
  };
  const dataDir = arg("--data-dir");
  if (!dataDir) throw new Error("--data-dir is required");
  const warmRuns = Number(arg("--warm", "5"));
  const gapMs = Number(arg("--gap-ms", "1100"));
  process.env.VIRTDECK_DATA_DIR = dataDir;
  (process.env as Record<string, string>).NODE_ENV = "production";
  delete process.env.DATABASE_URL;

  // After the environment is set: env() reads it once.
  const { prepareDatabase, closeDatabase } = await import("@/lib/db/client");
  const { fleet, fleetCloseAll } = await import("@/lib/fleet/runtime");
  const { VirshSession } = await import("@/lib/hosts/virsh-session");
  const { fleetVms, FleetQuerySchema } = await import("@/lib/fleet/vms");
  const { hostsList, hostGet } = await import("@/lib/fleet/hosts");
  const { monitorEventLoopDelay } = await import("node:perf_hooks");

  await prepareDatabase();
  const hosts = await hostsList();
  const nameOf = new Map(hosts.map((h) => [h.id, h.name]));
  const uriName = new Map(hosts.map((h) => [h.libvirtUri, h.name]));

  let spans: Span[] = [];
  let t0 = 0;
  const span = (kind: Span["kind"], host: string, label: string, start: number) =>
    spans.push({ kind, host, label, start: start - t0, ms: performance.now() - start });

  // Time every connect, exec and stream through the pool the sessions and refresh() use.
  const pool = fleet().pool;
  const get = pool.get.bind(pool);
  const wrapped = new WeakSet<object>();
  pool.get = async (hostId: string) => {
    const fresh = !pool.hostIds().includes(hostId);
    const start = performance.now();
    const t = await get(hostId);
    const host = nameOf.get(hostId) ?? hostId;
    if (fresh) span("connect", host, "ssh connect + auth", start);
    if (!wrapped.has(t)) {
      wrapped.add(t);
      const run = t.run.bind(t);
      const openStream = t.openStream.bind(t);
      t.run = async (argv, opts) => {
        const s = performance.now();
        try {
          return await run(argv, opts);
        } finally {
          span("exec", host, argv.slice(0, 1).join(" "), s);
        }
      };
      t.openStream = async (argv, opts) => {
        const s = performance.now();
        try {
          return await openStream(argv, opts);
        } finally {
          span(
            "stream",
            host,
            argv
              .filter((a) => !a.includes("=") && a !== "env")
              .slice(0, 1)
              .join(" "),
            s,
          );
        }
      };
    }
    return t;
  };
  const batch = VirshSession.prototype.batch;
  VirshSession.prototype.batch = async function (this: InstanceType<typeof VirshSession>, commands) {
    const s = performance.now();
    try {
      return await batch.call(this, commands);
    } finally {
      const kinds = [...new Set(commands.map((c) => c[0]))].join("+");
      span("batch", uriName.get(this.uri) ?? this.uri, `${commands.length} × ${kinds}`, s);
    }
  };

  const query = FleetQuerySchema.parse({ pageSize: "200" });
  const once = async (): Promise<TraceRun> => {
    spans = [];
    t0 = performance.now();
    const page = await fleetVms(query, VISIBILITY_ALL);
    const total = performance.now() - t0;
    const j = performance.now();
    JSON.stringify(page);
    const json = performance.now() - j;
    const bad = page.hosts.filter((h) => h.error);
    if (bad.length) throw new Error(bad.map((h) => `${h.name}: ${h.error}`).join("; "));
    return { total, json, spans, vms: page.total };
  };

  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const cold = await once();
  const warm: TraceRun[] = [];
  const hot: TraceRun[] = [];
  for (let i = 0; i < warmRuns; i++) {
    await new Promise((r) => setTimeout(r, gapMs));
    warm.push(await once());
    hot.push(await once());
  }
  loop.disable();
  const db = { hostsList: [] as number[], hostGet: [] as number[] };
  for (let i = 0; i < warmRuns; i++) {
    let s = performance.now();
    await hostsList();
    db.hostsList.push(performance.now() - s);
    s = performance.now();
    await hostGet(hosts[0].id);
    db.hostGet.push(performance.now() - s);
  }
  fleetCloseAll();
  await closeDatabase();
  const out: TraceOutput = { cold, warm, hot, db, eventLoop: { maxDelayMs: loop.max / 1e6 } };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
