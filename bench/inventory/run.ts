/**
 * bench/inventory: how long virtdeck takes to return the fleet list, against the raw cost of
 * reading the same data with virsh on the hosts themselves.
 *
 *   npx tsx --tsconfig tsconfig.server.json bench/inventory/run.ts [--n 100,1000] [--runs 10]
 *       [--running 6] [--gap-ms 1100] [--build] [--no-profile] [--out FILE] [--stack-env FILE]
 *
 * See bench/README.md for what each figure means. A benchmark, not a test: it reports numbers and
 * fails only when something is broken (an error from a host, a wrong VM count).
 */
import { execFile, execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stackClose, stackOpen, type BenchHost, type Stack } from "../lib/stack";
import { setupFleet } from "../lib/fleet-setup";
import { ApiClient, buildInfo, ensureBuild, serverKillAll, serverStart, type BenchServer } from "../lib/server";
import { virshLine, virshLocal, virshOverSsh } from "../lib/virsh-local";
import { ms, now, ratio, sleep, summarize, timed, type Summary } from "../lib/stats";
import { argsParse, benchOutPath, intParse } from "../lib/args";
import { benchRun } from "../lib/run";
import { cleanupDomains, defineDomains, NAME } from "./domains";
import { profileCold, WarmProfiler, type ColdProfile } from "./profile";
import type { Span, TraceOutput, TraceRun } from "./trace";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const PAGE = 200;

// --- options -------------------------------------------------------------------------------------
interface Options {
  ns: number[];
  runs: number;
  running: number;
  gapMs: number;
  build: boolean;
  profile: boolean;
  out: string;
  stackEnv?: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    ns: [100, 1000],
    runs: 10,
    running: 6,
    gapMs: 1100,
    build: false,
    profile: true,
    out: benchOutPath("inventory"),
  };
  argsParse(argv, import.meta.url, {
    "--n": (v) => {
      const ns = v
        .text()
        .split(",")
        .map((s) => intParse("--n", s.trim(), 1));
      o.ns = [...new Set(ns)].sort((x, y) => x - y);
    },
    "--runs": (v) => (o.runs = v.int(1)),
    "--running": (v) => (o.running = v.int(0)),
    "--gap-ms": (v) => (o.gapMs = v.int(1001)),
    "--build": () => (o.build = true),
    "--no-profile": () => (o.profile = false),
    "--out": (v) => (o.out = v.path()),
    "--stack-env": (v) => (o.stackEnv = v.path()),
  });
  return o;
}

// --- cleanup, also on failure and on signals -----------------------------------------------------
let stack: Stack | undefined;
let server: BenchServer | undefined;
let tmp: string | undefined;
let cleaning: Promise<void> | undefined;
/** Kept (and named in the output) when the bench fails; removed after a clean run. */
const serverLog = path.join(os.tmpdir(), `vdbench-server-${process.pid}.log`);
let failed = false;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    try {
      await server?.stop();
    } catch (err) {
      console.error("[bench] stopping the server failed:", err);
    }
    server = undefined;
    if (stack) {
      try {
        const n = await cleanupDomains(stack.hosts);
        if (n) console.error(`[bench] undefined ${n} vdbench-* domains`);
      } catch (err) {
        console.error("[bench] removing vdbench-* domains failed:", err);
      }
      stackClose(stack);
    }
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    if (failed) console.error(`[bench] server log: ${serverLog}`);
    else rmSync(serverLog, { force: true });
  })();
  return cleaning;
}

// --- measurement helpers -------------------------------------------------------------------------
interface FleetPage {
  vms: { name: string; state: string; cpuPercent: number | null }[];
  total: number;
  hosts: { id: string; name: string; status: string; error: string | null }[];
}

const log = (s: string) => console.error(`[bench] ${s}`);
const load = () => execFileSync("uptime", { encoding: "utf8" }).trim();

/** GET /api/vms?pageSize=200 timed end to end (request sent -> whole body read), checked. */
async function fleetGet(api: ApiClient, query = `pageSize=${PAGE}`): Promise<{ ms: number; page: FleetPage }> {
  const t0 = now();
  const r = await api.call<FleetPage>("GET", `/api/vms?${query}`);
  const t = now() - t0;
  if (r.status !== 200) throw new Error(`GET /api/vms -> ${r.status}: ${r.text.slice(0, 300)}`);
  const bad = r.json.hosts.filter((h) => h.error);
  if (bad.length) throw new Error(`hosts failed: ${bad.map((h) => `${h.name}: ${h.error}`).join("; ")}`);
  return { ms: t, page: r.json };
}

// The same five commands lib/fleet/inventory.ts sends on every refresh (its LISTS): keep in step.
const RAW_LISTS = [
  virshLine("list", "--all", "--uuid"),
  virshLine("list", "--all", "--autostart", "--uuid"),
  virshLine("list", "--all", "--with-managed-save", "--uuid"),
  virshLine("list", "--transient", "--uuid"),
  virshLine("domstats", "--raw", "--state", "--cpu-total", "--balloon", "--vcpu"),
];

const uuidsOf = (out: string) =>
  out
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^[0-9a-f-]{36}$/i.test(l));

/**
 * The raw baseline: ONE virsh per host fed everything on stdin, hosts in parallel; locally as the
 * host's user, or (`ssh`) through a fresh OpenSSH connection and the user's shell.
 */
async function rawBatch(
  hosts: readonly BenchHost[],
  withXml: boolean,
  via: "local" | "ssh" = "local",
): Promise<{ ms: number; domains: number; bytes: number }> {
  // The UUIDs are read beforehand (untimed), so the baseline needs a single round trip per host;
  // virtdeck needs two (list, then dumpxml of what it does not know yet).
  const perHost = withXml
    ? await Promise.all(hosts.map(async (h) => uuidsOf((await virshLocal(h, [RAW_LISTS[0]])).stdout)))
    : hosts.map(() => []);
  const batch = (h: BenchHost, lines: string[]) =>
    via === "local"
      ? virshLocal(h, lines, { keepOutput: false })
      : virshOverSsh(h, stack!.knownHosts, lines, { keepOutput: false });
  const t0 = now();
  const rs = await Promise.all(
    hosts.map((h, i) => batch(h, [...RAW_LISTS, ...perHost[i].map((u) => virshLine("dumpxml", u))])),
  );
  const t = now() - t0;
  for (const [i, r] of rs.entries()) {
    // Other users of the test hosts may undefine a domain between our list and its dumpxml.
    const errs = r.stderr
      .split("\n")
      .filter((l) => l.startsWith("error:") && !/failed to get domain|Domain not found/.test(l));
    if (r.code !== 0 || errs.length)
      throw new Error(`raw virsh (${via}) on ${hosts[i].key} failed: ${errs.join(" | ").slice(0, 300)}`);
  }
  return {
    ms: t,
    domains: perHost.reduce((a, u) => a + u.length, 0),
    bytes: rs.reduce((a, r) => a + r.stdoutBytes, 0),
  };
}

async function hostCount(hosts: readonly BenchHost[]): Promise<{ total: number; bench: number; running: number }> {
  const names = async (h: BenchHost, line: string) =>
    (await virshLocal(h, [line])).stdout
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("virsh #"));
  let total = 0;
  let bench = 0;
  let running = 0;
  for (const h of hosts) {
    const all = await names(h, virshLine("list", "--all", "--name"));
    total += all.length;
    bench += all.filter((n) => NAME.test(n)).length;
    running += (await names(h, virshLine("list", "--name"))).filter((n) => NAME.test(n)).length;
  }
  return { total, bench, running };
}

// --- server and fleet setup ----------------------------------------------------------------------
async function startServer(dataDir: string, logFile: string, api: ApiClient): Promise<{ startMs: number }> {
  const t0 = now();
  server = await serverStart({ root: ROOT, dataDir, logFile });
  api.base = server.base;
  return { startMs: now() - t0 };
}

// --- trace of the product path (bench/inventory/trace.ts in a child process) --------------------
function traceChild(dataDir: string, warm: number, gapMs: number): Promise<TraceOutput> {
  return new Promise((resolve, reject) => {
    execFile(
      "npx",
      [
        "tsx",
        "--tsconfig",
        "tsconfig.server.json",
        "bench/inventory/trace.ts",
        "--data-dir",
        dataDir,
        "--warm",
        String(warm),
        "--gap-ms",
        String(gapMs),
      ],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NODE_ENV: "production" } },
      (err, stdout, stderr) => {
        if (err)
          return reject(
            new Error(
              `trace failed: ${stderr
                .split("\n")
                .filter((l) => !l.startsWith("npm warn"))
                .join("\n")
                .slice(0, 1500)}`,
            ),
          );
        resolve(JSON.parse(stdout.trim().split("\n").pop()!) as TraceOutput);
      },
    );
  });
}

/** Milliseconds of the run during which no host request (connect, exec, stream, batch) was pending. */
function ownTime(run: TraceRun): number {
  const iv = run.spans.map((s) => [s.start, s.start + s.ms] as const).sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let end = -Infinity;
  for (const [a, b] of iv) {
    if (b <= end) continue;
    covered += b - Math.max(a, end);
    end = b;
  }
  return Math.max(0, run.total - covered);
}

const timeline = (spans: Span[]) =>
  [...spans]
    .sort((a, b) => a.host.localeCompare(b.host) || a.start - b.start)
    .map((s) => `${s.host} ${s.kind} ${s.label} @${ms(s.start)} +${ms(s.ms)}`)
    .join("; ");

interface TraceSummary {
  coldTotal: Summary;
  coldOwn: Summary;
  coldTimeline: string;
  warmTotal: Summary;
  warmOwn: Summary;
  warmExecs: number;
  warmTimeline: string;
  hotTotal: Summary;
  json: Summary;
  hostsList: Summary;
  hostGet: Summary;
  eventLoopMaxMs: number;
}

function traceSummarize(outs: TraceOutput[]): TraceSummary {
  const colds = outs.map((o) => o.cold);
  const medianRun = (runs: TraceRun[]) =>
    [...runs].sort((a, b) => a.total - b.total)[Math.floor((runs.length - 1) / 2)];
  const warm = outs.flatMap((o) => o.warm);
  const hot = outs.flatMap((o) => o.hot);
  return {
    coldTotal: summarize(colds.map((r) => r.total)),
    coldOwn: summarize(colds.map(ownTime)),
    coldTimeline: timeline(medianRun(colds).spans),
    warmTotal: summarize(warm.map((r) => r.total)),
    warmOwn: summarize(warm.map(ownTime)),
    warmExecs: warm.reduce((a, r) => a + r.spans.filter((s) => s.kind === "exec").length, 0),
    warmTimeline: warm.length ? timeline(medianRun(warm).spans) : "",
    hotTotal: summarize(hot.map((r) => r.total)),
    json: summarize([...warm, ...hot].map((r) => r.json)),
    hostsList: summarize(outs.flatMap((o) => o.db.hostsList)),
    hostGet: summarize(outs.flatMap((o) => o.db.hostGet)),
    eventLoopMaxMs: Math.max(...outs.map((o) => o.eventLoop.maxDelayMs)),
  };
}

// --- main --------------------------------------------------------------------------------------
interface NResult {
  n: number;
  fleetTotal: number;
  otherDomains: number;
  running: number;
  defineMs: number[];
  loadBefore: string;
  loadAfter: string;
  serverStartMs: Summary;
  virtdeck: {
    cold: Summary;
    warm: Summary;
    hot: Summary;
    allPages: Summary;
    pages: number;
    emptyFleet: Summary;
    authMe: Summary;
  };
  raw: { cold: Summary; warm: Summary; sshCold: Summary; coldBytes: number };
  profile?: {
    cold: Record<string, Record<string, number>> & { _: Record<string, number> };
    warm: { wall: Summary; hosts: Record<string, { lists: Summary; parseStats: Summary }> };
    trace: TraceSummary;
  };
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  stack = stackOpen(ROOT, opts.stackEnv);
  const hosts = stack.hosts;
  tmp = mkdtempSync(path.join(os.tmpdir(), "vdbench-"));
  const dataDir = path.join(tmp, "data");
  const logFile = serverLog;
  ensureBuild(ROOT, opts.build);
  const build = buildInfo(ROOT);
  if (build.newerSources.length)
    log(
      `warning: ${build.newerSources.length} source files are newer than .next (BUILD_ID ${build.id}): ${build.newerSources.slice(0, 8).join(", ")}`,
    );

  const leftovers = await cleanupDomains(hosts);
  if (leftovers) log(`removed ${leftovers} vdbench-* domains left by an earlier run`);

  const machine = {
    date: new Date().toISOString(),
    cpu: os.cpus()[0]?.model ?? "?",
    cores: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    libvirt: execFileSync("virsh", ["-c", hosts[0].uri, "version", "--daemon"], { encoding: "utf8" })
      .split("\n")
      .filter((l) => /library|daemon|hypervisor/i.test(l))
      .map((l) => l.trim())
      .join("; "),
    domainType: hosts[0].domainType,
    commit: gitDescribe(),
    build,
  };
  log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memGiB} GiB, node ${machine.node}`);

  const api = new ApiClient("");
  const results: NResult[] = [];
  let defined = 0;
  let fleetReady = false;

  for (const n of opts.ns) {
    log(`--- N = ${n} ---`);
    const def = await timed(() => defineDomains(hosts, defined + 1, n, opts.running));
    defined = n;
    const counts = await hostCount(hosts);
    if (counts.bench !== n) throw new Error(`expected ${n} vdbench domains, the hosts have ${counts.bench}`);
    log(
      `defined up to ${n} in ${ms(def.ms)} ms (host1 ${ms(def.value.ms[0])}, host2 ${ms(def.value.ms[1])}); ${counts.total} domains in total, ${counts.running} vdbench running`,
    );

    if (!fleetReady) {
      await startServer(dataDir, logFile, api);
      await setupFleet(api, hosts);
      fleetReady = true;
    }
    const loadBefore = load();
    log(`load: ${loadBefore}`);

    // (a) cold: a fresh server per run; the route is loaded first with a query that matches no
    // host, so the measured request pays SSH connects, virsh session starts and every dumpxml,
    // not Next's first-request module loading. Interleaved with the raw cold batch.
    const cold: number[] = [];
    const rawCold: number[] = [];
    const sshCold: number[] = [];
    const starts: number[] = [];
    let rawColdBytes = 0;
    let fleetTotal = 0;
    for (let i = 0; i < opts.runs; i++) {
      await server?.stop();
      const s = await startServer(dataDir, logFile, api);
      starts.push(s.startMs);
      const me = await api.ok<{ csrfToken: string }>("GET", "/api/auth/me");
      api.csrf = me.csrfToken;
      const empty = await fleetGet(api, `host=${randomUUID()}&pageSize=${PAGE}`);
      if (empty.page.total !== 0) throw new Error("the empty-fleet warm-up touched hosts");
      await sleep(300);
      const c = await fleetGet(api);
      cold.push(c.ms);
      fleetTotal = c.page.total;
      await sleep(200);
      const r = await rawBatch(hosts, true);
      rawCold.push(r.ms);
      rawColdBytes = r.bytes;
      await sleep(200);
      const viaSsh = await rawBatch(hosts, true, "ssh");
      sshCold.push(viaSsh.ms);
      log(
        `cold #${i + 1}: virtdeck ${ms(c.ms)} ms, raw ${ms(r.ms)} ms, raw over ssh ${ms(viaSsh.ms)} ms (server start ${ms(s.startMs)} ms)`,
      );
    }

    // Sanity: the list holds every vdbench domain (not timed).
    let listed = 0;
    for (let p = 1, pages = 1; p <= pages; p++) {
      const { page } = await fleetGet(api, `q=vdbench-&pageSize=${PAGE}&page=${p}`);
      pages = Math.ceil(page.total / PAGE);
      listed += page.vms.filter((v) => NAME.test(v.name)).length;
    }
    if (listed !== n) throw new Error(`virtdeck lists ${listed} vdbench domains, expected ${n}`);

    // (a) warm: cache older than its 1 s max age, so list/domstats are re-read from both hosts;
    // hot: right after, within the max age (served from the cache). Interleaved with raw warm.
    const warm: number[] = [];
    const hot: number[] = [];
    const rawWarm: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      await sleep(opts.gapMs);
      const w = await fleetGet(api);
      warm.push(w.ms);
      const h = await fleetGet(api);
      hot.push(h.ms);
      const r = await rawBatch(hosts, false);
      rawWarm.push(r.ms);
    }
    log(
      `warm: virtdeck ${ms(summarize(warm).median)} ms, hot ${ms(summarize(hot).median)} ms, raw ${ms(summarize(rawWarm).median)} ms (medians)`,
    );

    // Every page of the list after the cache expired (page 1 refreshes, the rest are hot).
    const allPages: number[] = [];
    const pages = Math.max(1, Math.ceil(fleetTotal / PAGE));
    for (let i = 0; i < opts.runs; i++) {
      await sleep(opts.gapMs);
      const t0 = now();
      for (let p = 1; p <= pages; p++) await fleetGet(api, `pageSize=${PAGE}&page=${p}`);
      allPages.push(now() - t0);
    }

    // Fixed per-request overhead: auth + database + route, with no host involved.
    const emptyFleet: number[] = [];
    const authMe: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      emptyFleet.push((await fleetGet(api, `host=${randomUUID()}`)).ms);
      authMe.push((await timed(() => api.ok("GET", "/api/auth/me"))).ms);
    }

    const res: NResult = {
      n,
      fleetTotal,
      otherDomains: fleetTotal - n,
      running: counts.running,
      defineMs: def.value.ms,
      loadBefore,
      loadAfter: "",
      serverStartMs: summarize(starts),
      virtdeck: {
        cold: summarize(cold),
        warm: summarize(warm),
        hot: summarize(hot),
        allPages: summarize(allPages),
        pages,
        emptyFleet: summarize(emptyFleet),
        authMe: summarize(authMe),
      },
      raw: { cold: summarize(rawCold), warm: summarize(rawWarm), sshCold: summarize(sshCold), coldBytes: rawColdBytes },
    };

    if (opts.profile) {
      // Stop the server so the decomposition does not share the CPU with it.
      await server?.stop();
      const colds: ColdProfile[] = [];
      for (let i = 0; i < Math.min(opts.runs, 5); i++) colds.push(await profileCold(hosts));
      const med = (f: (c: ColdProfile) => number) => summarize(colds.map(f)).median;
      const cold: Record<string, Record<string, number>> & { _: Record<string, number> } = {
        _: { wall: med((c) => c.wall), sortJson: med((c) => c.sortJson) },
      };
      for (const h of hosts) {
        const keys = Object.keys(colds[0].hosts[h.key]) as (keyof ColdProfile["hosts"][string])[];
        cold[h.key] = Object.fromEntries(keys.map((k) => [k, med((c) => c.hosts[h.key][k])]));
      }
      const wp = new WarmProfiler();
      await wp.open(hosts);
      const warms: Awaited<ReturnType<WarmProfiler["once"]>>[] = [];
      try {
        for (let i = 0; i < opts.runs; i++) {
          await sleep(100);
          warms.push(await wp.once());
        }
      } finally {
        wp.close();
      }
      const traces: TraceOutput[] = [];
      for (let i = 0; i < Math.min(opts.runs, 5); i++)
        traces.push(await traceChild(dataDir, i === 0 ? opts.runs : 0, opts.gapMs));
      res.profile = {
        trace: traceSummarize(traces),
        cold,
        warm: {
          wall: summarize(warms.map((w) => w.wall)),
          hosts: Object.fromEntries(
            hosts.map((h) => [
              h.key,
              {
                lists: summarize(warms.map((w) => w.hosts[h.key].lists)),
                parseStats: summarize(warms.map((w) => w.hosts[h.key].parseStats)),
              },
            ]),
          ),
        },
      };
      server = undefined; // the next N starts its own (cold) servers
    }
    res.loadAfter = load();
    results.push(res);
    report(results, machine, opts);
  }

  writeFileSync(opts.out, JSON.stringify({ machine, options: opts, results }, null, 2));
  log(`results: ${opts.out}`);
}

/** HEAD, marked "+dirty" when product code differs from it (then the figures are not HEAD's). */
function gitDescribe(): string {
  try {
    const git = (...a: string[]) => execFileSync("git", a, { cwd: ROOT, encoding: "utf8" }).trim();
    const dirty = git("status", "--porcelain", "--", "lib", "app", "server.ts", "next.config.js");
    return `${git("rev-parse", "--short", "HEAD")}${dirty ? "+dirty" : ""}`;
  } catch {
    return "unknown";
  }
}

// --- report ------------------------------------------------------------------------------------
function report(results: NResult[], machine: Record<string, string | number | object>, opts: Options): void {
  const lines: string[] = [];
  lines.push(
    `\n### bench:inventory, ${String(machine.date).slice(0, 10)}, ${opts.runs} runs per figure, median / p95 in ms\n`,
  );
  lines.push(
    `${machine.cpu}, ${machine.cores} cores, ${machine.memGiB} GiB, ${machine.os}, node ${machine.node}, ${machine.libvirt}, domain type ${machine.domainType}, commit ${machine.commit}\n`,
  );
  lines.push(
    "| N (fleet total) | virtdeck cold | raw cold | ratio cold | virtdeck warm | raw warm | ratio warm | virtdeck hot | all pages (warm) | raw over ssh, cold |",
  );
  lines.push("|---|---|---|---|---|---|---|---|---|---|");
  for (const r of results) {
    const v = r.virtdeck;
    const f = (s: Summary) => `${ms(s.median)} / ${ms(s.p95)}`;
    lines.push(
      `| ${r.n} (${r.fleetTotal}) | ${f(v.cold)} | ${f(r.raw.cold)} | ${ratio(v.cold.median, r.raw.cold.median)} | ${f(v.warm)} | ${f(r.raw.warm)} | ${ratio(v.warm.median, r.raw.warm.median)} | ${f(v.hot)} | ${f(v.allPages)} (${v.pages} pages) | ${f(r.raw.sshCold)} |`,
    );
  }
  lines.push("");
  for (const r of results) {
    lines.push(
      `N=${r.n}: load before "${r.loadBefore}", after "${r.loadAfter}"; ${r.running} vdbench guests running; ${r.otherDomains} other domains on the hosts`,
    );
    lines.push(
      `  fixed per-request cost: empty fleet ${ms(r.virtdeck.emptyFleet.median)} ms, /api/auth/me ${ms(r.virtdeck.authMe.median)} ms; server start ${ms(r.serverStartMs.median)} ms; raw cold output ${(r.raw.coldBytes / 1024).toFixed(0)} KiB`,
    );
    if (r.profile) {
      const c = r.profile.cold;
      lines.push(
        `  cold decomposition (median of ${Math.min(opts.runs, 5)}, hosts in parallel, wall ${ms(c._.wall)} ms; fleet sort + page JSON ${ms(c._.sortJson)} ms):`,
      );
      for (const [k, s] of Object.entries(c)) {
        if (k === "_") continue;
        lines.push(
          `    ${k} (${s.domains} domains, ${(s.xmlBytes / 1024).toFixed(0)} KiB XML): connect ${ms(s.connect)}, session open ${ms(s.sessionOpen)}, lists+domstats ${ms(s.lists)}, dumpxml batch ${ms(s.dumpxml)}, ps exec ${ms(s.ps)}, parse XML ${ms(s.parseXml)}, parse domstats ${ms(s.parseStats)}, summaries ${ms(s.summaries)}`,
        );
      }
      const t = r.profile.trace;
      lines.push(
        `  product path in-process (fleetVms, no HTTP; ${t.coldTotal.n} cold processes): cold ${ms(t.coldTotal.median)} ms of which ${ms(t.coldOwn.median)} ms with no host request pending (CPU: parsing, summaries; database); warm ${ms(t.warmTotal.median)} ms (${ms(t.warmOwn.median)} ms own; ${t.warmExecs} exec channels in ${t.warmTotal.n} warm runs); hot ${ms(t.hotTotal.median)} ms; JSON of the page ${ms(t.json.median)} ms; hostsList ${ms(t.hostsList.median)} ms, hostGet ${ms(t.hostGet.median)} ms; longest event-loop stall ${ms(t.eventLoopMaxMs)} ms`,
      );
      lines.push(`    cold timeline (median run, ms from request start): ${t.coldTimeline}`);
      lines.push(`    warm timeline (median run): ${t.warmTimeline}`);
      const w = r.profile.warm;
      lines.push(
        `  warm decomposition (open sessions): wall ${ms(w.wall.median)} ms; ${Object.entries(w.hosts)
          .map(([k, s]) => `${k} batch ${ms(s.lists.median)} + parse ${ms(s.parseStats.median)}`)
          .join(", ")}`,
      );
    }
  }
  console.log(lines.join("\n"));
}

benchRun({ main, cleanup, failed: () => (failed = true), onExit: serverKillAll });
