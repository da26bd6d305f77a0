/**
 * bench/load: an operator's busy hour on one host, through the production server.
 *
 *   npx tsx --tsconfig tsconfig.server.json bench/load/run.ts [--domains 200] [--clients 20]
 *       [--streams 50] [--guests 5] [--period-ms 5000] [--quiet-s 20] [--churn-s 60]
 *       [--destroy-rounds 5] [--build] [--keep-log] [--cpu-prof DIR] [--postgres] [--out FILE]
 *       [--stack-env FILE]
 *
 * Host1 of the test stack gets `--domains` tiny domains; `--clients` signed-in clients list the
 * fleet back to back, `--streams` live-event streams stay open, and every `--period-ms` the first
 * `--guests` domains are started or destroyed through the app, all at once. Figures: the list's
 * latency (p50/p99) and throughput without churn ("quiet") and with it ("churn"), errors, how many
 * times each change reached each stream (exactly once is right), and `--guests` concurrent destroys
 * through the app against the same with plain parallel `virsh destroy`, interleaved, as a ratio.
 * A benchmark, not a test: it reports and fails only when something is broken. See bench/README.md.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stackClose, stackOpen, type Stack } from "../lib/stack";
import { ApiClient, buildInfo, ensureBuild, serverKillAll, serverStart, type BenchServer } from "../lib/server";
import { setupFleet } from "../lib/fleet-setup";
import { benchDatabaseCreate, benchDatabaseDrop, stackPgUrl, type BenchDatabase } from "../lib/postgres";
import { ms, now, sleep, summarize, type Summary } from "../lib/stats";
import { argsParse, benchOutPath } from "../lib/args";
import { benchRun } from "../lib/run";
import { EventStream } from "./sse";
import { loadDomainsCleanup, loadDomainsDefine, loadGuestsStart, rawDestroyParallel } from "./guests";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const STREAMS_PER_USER = 8; // under the per-user stream cap (10)

interface Options {
  domains: number;
  clients: number;
  streams: number;
  guests: number;
  periodMs: number;
  quietS: number;
  churnS: number;
  destroyRounds: number;
  build: boolean;
  keepLog: boolean;
  /** Directory for a V8 CPU profile of the server (node --cpu-prof), written when it stops. */
  cpuProf?: string;
  /** The server on a new database of the stack's PostgreSQL instead of embedded PGlite. */
  postgres: boolean;
  out: string;
  stackEnv?: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    domains: 200,
    clients: 20,
    streams: 50,
    guests: 5,
    periodMs: 5000,
    quietS: 20,
    churnS: 60,
    destroyRounds: 5,
    build: false,
    keepLog: false,
    postgres: false,
    out: benchOutPath("load"),
  };
  argsParse(argv, import.meta.url, {
    "--domains": (v) => (o.domains = v.int(1)),
    "--clients": (v) => (o.clients = v.int(1)),
    "--streams": (v) => (o.streams = v.int(1)),
    "--guests": (v) => (o.guests = v.int(1)),
    "--period-ms": (v) => (o.periodMs = v.int(1)),
    "--quiet-s": (v) => (o.quietS = v.int(1)),
    "--churn-s": (v) => (o.churnS = v.int(1)),
    "--destroy-rounds": (v) => (o.destroyRounds = v.int(1)),
    "--build": () => (o.build = true),
    "--keep-log": () => (o.keepLog = true),
    "--cpu-prof": (v) => (o.cpuProf = v.path()),
    "--postgres": () => (o.postgres = true),
    "--out": (v) => (o.out = v.path()),
    "--stack-env": (v) => (o.stackEnv = v.path()),
  });
  if (o.guests > o.domains) throw new Error("--guests cannot exceed --domains");
  return o;
}

// --- cleanup, also on failure and on signals -----------------------------------------------------
let stack: Stack | undefined;
let server: BenchServer | undefined;
let tmp: string | undefined;
let database: BenchDatabase | undefined;
let cleaning: Promise<void> | undefined;
const serverLog = path.join(os.tmpdir(), `vdbench-load-server-${process.pid}.log`);
let failed = false;
let keepLog = false;
const log = (s: string) => console.error(`[bench] ${s}`);

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await server?.stop().catch((err) => log(`stopping the server failed: ${err}`));
    server = undefined;
    if (database) {
      await benchDatabaseDrop(database).catch((err) => log(`dropping database ${database?.name} failed: ${err}`));
      database = undefined;
    }
    if (stack) {
      const n = await loadDomainsCleanup(stack.hosts[0]).catch((err) => (log(`removing vdload-* failed: ${err}`), 0));
      if (n) log(`undefined ${n} vdload-* domains`);
      stackClose(stack);
    }
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    if (failed || keepLog) log(`server log: ${serverLog}`);
    else rmSync(serverLog, { force: true });
  })();
  return cleaning;
}

// --- the load ------------------------------------------------------------------------------------
interface ListFigures {
  latency: Summary;
  requests: number;
  errors: number;
  perSecond: number;
  errorSamples: string[];
}

/** The clients listing back to back for `seconds`, while `during` runs (if given). */
async function listLoad(clients: ApiClient[], seconds: number, during?: () => Promise<void>): Promise<ListFigures> {
  const lat: number[] = [];
  const errs: string[] = [];
  const until = now() + seconds * 1000;
  const t0 = now();
  const loops = clients.map(async (c) => {
    while (now() < until) {
      const s = now();
      try {
        const r = await c.call<{ vms: unknown[] }>("GET", "/api/vms?pageSize=50");
        if (r.status !== 200 || !Array.isArray(r.json?.vms) || !r.json.vms.length)
          errs.push(`${r.status} ${r.text.slice(0, 120)}`);
        else lat.push(now() - s);
      } catch (err) {
        errs.push(String(err));
      }
    }
  });
  await Promise.all([...loops, during?.()]);
  return {
    latency: summarize(lat),
    requests: lat.length + errs.length,
    errors: errs.length,
    perSecond: (lat.length + errs.length) / ((now() - t0) / 1000),
    errorSamples: errs.slice(0, 5),
  };
}

interface Transition {
  uuid: string;
  target: "running" | "shutoff";
  t: number;
  status: number;
  ms: number;
}

/** Every `periodMs`, all guests at once: start the stopped ones, destroy the running ones, through the app. */
async function churn(
  api: ApiClient,
  hostId: string,
  uuids: string[],
  seconds: number,
  periodMs: number,
  out: Transition[],
): Promise<void> {
  const up = new Map(uuids.map((u) => [u, false]));
  const until = now() + seconds * 1000;
  while (now() < until) {
    const tick = now();
    await Promise.all(
      uuids.map(async (uuid) => {
        const target = up.get(uuid) ? "shutoff" : "running";
        const t = now();
        const r = await api.call("POST", `/api/vms/${hostId}/${uuid}/actions`, {
          action: target === "running" ? "start" : "destroy",
        });
        out.push({ uuid, target, t, status: r.status, ms: now() - t });
        if (r.status === 200) up.set(uuid, target === "running");
        else log(`${target === "running" ? "start" : "destroy"} ${uuid} -> ${r.status}: ${r.text.slice(0, 200)}`);
      }),
    );
    await sleep(Math.max(0, periodMs - (now() - tick)));
  }
}

interface Delivery {
  expected: number;
  once: number;
  missing: number;
  duplicated: number;
  extraEvents: number;
}

/**
 * For each stream and each change: how many events carried the new state for that VM from the moment
 * the action was sent until the VM's next change showed on that stream (its first event with the next
 * target state), by target state (start -> running, destroy -> shutoff). A missing pair also records
 * which states did arrive for the VM in that window.
 */
function deliveries(
  streams: EventStream[],
  transitions: Transition[],
): Delivery & { byTarget: Record<string, Delivery>; missingSeen: Record<string, number> } {
  const ok = transitions.filter((t) => t.status === 200);
  const blank = (): Delivery => ({ expected: 0, once: 0, missing: 0, duplicated: 0, extraEvents: 0 });
  const r = { ...blank(), byTarget: {} as Record<string, Delivery>, missingSeen: {} as Record<string, number> };
  for (const s of streams) {
    for (const tr of ok) {
      // The window ends where the VM's next change shows on this stream, not when it was sent: a
      // loaded client reads a stream late, so an event can be read after the next action went out.
      const nextTr = ok.filter((o) => o.uuid === tr.uuid && o.t > tr.t).sort((a, b) => a.t - b.t)[0];
      const end = nextTr
        ? (s.vmEvents.find((e) => e.uuid === tr.uuid && e.t >= nextTr.t && e.state === nextTr.target)?.t ?? Infinity)
        : Infinity;
      const window = s.vmEvents.filter((e) => e.uuid === tr.uuid && e.t >= tr.t && e.t < end);
      const n = window.filter((e) => e.state === tr.target).length;
      const t = (r.byTarget[tr.target] ??= blank());
      for (const d of [r, t]) {
        d.expected++;
        if (n === 1) d.once++;
        else if (n === 0) d.missing++;
        else {
          d.duplicated++;
          d.extraEvents += n - 1;
        }
      }
      if (n === 0) {
        const seen = window.map((e) => e.state ?? "gone").join(",") || "nothing";
        r.missingSeen[seen] = (r.missingSeen[seen] ?? 0) + 1;
      }
    }
  }
  return r;
}

/** Concurrent destroys: through the app and with plain parallel virsh, interleaved, each after a fresh start. */
async function destroys(
  stack: Stack,
  api: ApiClient,
  hostId: string,
  uuids: string[],
  rounds: number,
): Promise<{ app: number[]; raw: number[] }> {
  const host = stack.hosts[0];
  const app: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < rounds; i++) {
    for (const side of i % 2 ? (["app", "raw"] as const) : (["raw", "app"] as const)) {
      await loadGuestsStart(host, uuids);
      await sleep(1000);
      if (side === "raw") raw.push(await rawDestroyParallel(host, uuids));
      else {
        const t0 = now();
        const rs = await Promise.all(
          uuids.map((u) => api.call("POST", `/api/vms/${hostId}/${u}/actions`, { action: "destroy" })),
        );
        app.push(now() - t0);
        const bad = rs.filter((r) => r.status !== 200);
        if (bad.length)
          throw new Error(
            `destroy through the app: ${bad.map((r) => `${r.status} ${r.text.slice(0, 120)}`).join(" | ")}`,
          );
      }
    }
  }
  return { app, raw };
}

async function signIn(base: string, username: string, password: string): Promise<ApiClient> {
  const c = new ApiClient(base);
  const r = await c.ok<{ csrfToken: string }>("POST", "/api/auth/login", { username, password });
  c.csrf = r.csrfToken;
  return c;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  keepLog = o.keepLog;
  stack = stackOpen(ROOT, o.stackEnv);
  const host = stack.hosts[0];
  tmp = mkdtempSync(path.join(os.tmpdir(), "vdbench-load-"));
  ensureBuild(ROOT, o.build);
  const build = buildInfo(ROOT);
  if (build.newerSources.length)
    log(
      `warning: ${build.newerSources.length} source files are newer than .next: ${build.newerSources.slice(0, 5).join(", ")}`,
    );
  const left = await loadDomainsCleanup(host);
  if (left) log(`removed ${left} vdload-* domains left by an earlier run`);

  log(`defining ${o.domains} domains on ${host.key}`);
  const uuids = await loadDomainsDefine(host, o.domains, o.guests);
  if (o.postgres) {
    const admin = stackPgUrl(o.stackEnv ?? path.join(ROOT, ".stack", "env"));
    if (!admin) throw new Error("--postgres: the stack has no VD_TEST_PG_URL");
    database = await benchDatabaseCreate(admin, `vdbench_load_${process.pid}`);
  }
  server = await serverStart({
    root: ROOT,
    dataDir: path.join(tmp, "data"),
    logFile: serverLog,
    nodeArgs: o.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${o.cpuProf}`] : [],
    env: database ? { DATABASE_URL: database.url, VIRTDECK_SECRET_KEY_FILE: path.join(tmp, "secret.key") } : undefined,
  });
  log(`server database: ${database ? `PostgreSQL (${database.name} on the stack's cluster)` : "PGlite (embedded)"}`);
  const admin = new ApiClient(server.base);
  const [hostId] = await setupFleet(admin, [host]);

  // Operators (global grant through their role): enough of them that no one passes the stream cap.
  const users = Math.max(1, Math.ceil(o.streams / STREAMS_PER_USER));
  const password = randomBytes(18).toString("base64url");
  for (let u = 0; u < users; u++)
    await admin.ok("POST", "/api/users", { username: `load${u}`, role: "operator", password });
  const clients: ApiClient[] = [];
  for (let i = 0; i < o.clients; i++) clients.push(await signIn(server.base, `load${i % users}`, password));
  const streams: EventStream[] = [];
  for (let i = 0; i < o.streams; i++) {
    const c = await signIn(server.base, `load${i % users}`, password);
    const s = new EventStream(server.base, c.cookie);
    await s.open();
    streams.push(s);
  }
  log(`${o.clients} clients, ${streams.length} streams open; warming up`);
  await clients[0].ok("GET", "/api/vms?pageSize=50");
  await sleep(2000);

  log(`quiet: ${o.quietS} s of listing`);
  const quiet = await listLoad(clients, o.quietS);
  log(`churn: ${o.churnS} s of listing while ${o.guests} guests start/stop every ${o.periodMs} ms`);
  const transitions: Transition[] = [];
  const busy = await listLoad(clients, o.churnS, () => churn(admin, hostId, uuids, o.churnS, o.periodMs, transitions));
  await sleep(3000); // trailing events
  const ended = streams.filter((s) => s.ended).map((s) => s.ended!);
  await Promise.all(streams.map((s) => s.close()));
  const delivered = deliveries(streams, transitions);

  log(`concurrent destroys: ${o.destroyRounds} rounds`);
  const d = await destroys(stack, admin, hostId, uuids, o.destroyRounds);
  const paired = d.app.map((a, i) => a / d.raw[i]).sort((x, y) => x - y);
  const result = {
    date: new Date().toISOString(),
    machine: {
      cpu: os.cpus()[0]?.model ?? "?",
      cores: os.cpus().length,
      load: os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(" "),
    },
    options: o,
    build: build.id,
    list: { quiet, churn: busy },
    actions: summarize(transitions.map((t) => t.ms)),
    actionErrors: transitions.filter((t) => t.status !== 200).length,
    transitions: transitions.filter((t) => t.status === 200).length,
    streamsEnded: ended,
    delivered,
    destroys: {
      app: summarize(d.app),
      raw: summarize(d.raw),
      ratioOfMedians: summarize(d.app).median / summarize(d.raw).median,
      pairedMedian: paired[Math.floor(paired.length / 2)],
    },
  };
  writeFileSync(o.out, JSON.stringify(result, null, 2));
  report(result);
}

function report(r: {
  list: { quiet: ListFigures; churn: ListFigures };
  actions: Summary;
  actionErrors: number;
  transitions: number;
  streamsEnded: string[];
  delivered: ReturnType<typeof deliveries>;
  destroys: { app: Summary; raw: Summary; ratioOfMedians: number; pairedMedian: number };
}): void {
  const line = (name: string, f: ListFigures) =>
    `| ${name} | ${ms(f.latency.median)} | ${ms(f.latency.p95)} | ${ms(f.latency.p99)} | ${ms(f.latency.max)} | ${f.perSecond.toFixed(1)} | ${f.requests} | ${f.errors} |`;
  console.log("| list (GET /api/vms?pageSize=50) | p50 ms | p95 | p99 | max | req/s | requests | errors |");
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  console.log(line("quiet", r.list.quiet));
  console.log(line("churn", r.list.churn));
  for (const s of [...r.list.quiet.errorSamples, ...r.list.churn.errorSamples]) console.log(`  error: ${s}`);
  console.log(
    `\nactions through the app: ${r.transitions} ok, ${r.actionErrors} failed; p50 ${ms(r.actions.median)} ms, p99 ${ms(r.actions.p99)}, max ${ms(r.actions.max)}`,
  );
  const d = r.delivered;
  console.log(
    `events: ${d.expected} (stream, change) pairs: ${d.once} exactly once, ${d.missing} missing, ${d.duplicated} duplicated (${d.extraEvents} extra events)`,
  );
  for (const [target, t] of Object.entries(d.byTarget))
    console.log(
      `  -> ${target}: ${t.expected} pairs: ${t.once} once, ${t.missing} missing, ${t.duplicated} duplicated`,
    );
  for (const [seen, n] of Object.entries(d.missingSeen))
    console.log(`  missing pairs whose window held [${seen}]: ${n}`);
  if (r.streamsEnded.length)
    console.log(`streams ended early: ${r.streamsEnded.length} (${[...new Set(r.streamsEnded)].join("; ")})`);
  const x = r.destroys;
  console.log(
    `\nconcurrent destroys: app p50 ${ms(x.app.median)} ms (max ${ms(x.app.max)}), plain virsh p50 ${ms(x.raw.median)} ms (max ${ms(x.raw.max)}): ${x.ratioOfMedians.toFixed(2)}x (paired median ${x.pairedMedian.toFixed(2)}x)`,
  );
  const met = (ok: boolean) => (ok ? "met" : "NOT met");
  console.log(
    `\ntargets: list p99 <= 500 ms under churn: ${met(r.list.churn.latency.p99 <= 500)}; 0 errors: ${met(r.list.quiet.errors + r.list.churn.errors + r.actionErrors === 0)}; every change exactly once on every stream: ${met(d.once === d.expected)}; destroys <= 1.3x: ${met(x.ratioOfMedians <= 1.3)}`,
  );
}

benchRun({ main, cleanup, failed: () => (failed = true), onExit: serverKillAll });
