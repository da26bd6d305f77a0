/**
 * bench/console-proxy: the same bytes through virtdeck's console websocket and through the SSH
 * consoles people run today, in one run.
 *
 *   npx tsx --tsconfig tsconfig.server.json bench/console-proxy/run.ts [--mib 256] [--runs 5]
 *       [--pings 5000] [--rfb-pings 1000] [--first 20] [--sessions 100] [--guests 4] [--hold 5]
 *       [--ramp-ms 20] [--idle-domains 200] [--no-pg] [--profile-dir DIR] [--node-arg FLAG]... [--build] [--out FILE] [--stack-env FILE]
 *
 * --profile-dir: every virtdeck server the bench starts writes a V8 CPU profile (.cpuprofile) there.
 *
 * Paths (all on loopback, to the same target):
 *   a      virtdeck: websocket to the production server's /ws/console (ticket from the API) ->
 *          ssh2 forwardOut over its pooled SSH connection -> the real sshd -> target
 *   b      websockify (Debian python3-websockify) -> OpenSSH `ssh -N -L` (default cipher) -> sshd -> target
 *   b-gcm  the same with `ssh -c aes128-gcm@openssh.com`, the cipher ssh2 negotiates (a)
 *   c      websockify straight to the target, no SSH: the ceiling of a websocket proxy
 *   direct a plain TCP connection to the target (no proxy at all), the baseline for added latency
 * Targets: a synthetic source (source.ts) for throughput and echo latency, reached by virtdeck
 * through a paused "carrier" guest whose VNC server was moved away (guests.ts); tiny real Linux
 * guests for RFB round trips, first frame and 100 concurrent sessions.
 *
 * See bench/README.md for what each figure means. A benchmark, not a test: it reports numbers and
 * fails only when something is broken.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pgQuery, stackPgUrl } from "../lib/postgres";
import { stackClose, stackOpen, readKey, type BenchHost, type Stack } from "../lib/stack";
import {
  ApiClient,
  buildInfo,
  ensureBuild,
  freePort,
  serverEnv,
  serverKillAll,
  serverStart,
  type BenchServer,
} from "../lib/server";
import { now, sleep } from "../lib/stats";
import { argsParse, benchOutPath } from "../lib/args";
import { benchRun } from "../lib/run";
import { Guests, tinyGuestFiles, type Guest } from "./guests";
import { pingCommand, streamCommand, tcpPipe, wsPipe, type Pipe } from "./pipe";
import {
  cpuSeconds,
  helperStart,
  helpersKillAll,
  listenerPid,
  rssMiB,
  sshdFor,
  waitListening,
  type Helper,
} from "./procs";
import {
  ENC_EXT_DESKTOP_SIZE,
  ENC_RAW,
  readUpdate,
  rfbHandshake,
  setEncodings,
  updateRequest,
  type ServerInit,
} from "./rfb";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

// --- options -------------------------------------------------------------------------------------
interface Options {
  mib: number;
  runs: number;
  pings: number;
  rfbPings: number;
  first: number;
  sessions: number;
  guests: number;
  holdS: number;
  rampMs: number;
  build: boolean;
  pg: boolean;
  idleDomains: number;
  profileDir?: string;
  /** Extra node flags for the main virtdeck server (e.g. --trace-gc). */
  nodeArgs: string[];
  out: string;
  stackEnv?: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    mib: 256,
    runs: 5,
    pings: 5000,
    rfbPings: 1000,
    first: 20,
    sessions: 100,
    guests: 4,
    holdS: 5,
    rampMs: 20,
    build: false,
    pg: true,
    idleDomains: 200,
    nodeArgs: [],
    out: benchOutPath("console"),
  };
  argsParse(argv, import.meta.url, {
    "--mib": (v) => (o.mib = v.int(1)),
    "--runs": (v) => (o.runs = v.int(1)),
    "--pings": (v) => (o.pings = v.int(10)),
    "--rfb-pings": (v) => (o.rfbPings = v.int(10)),
    "--first": (v) => (o.first = v.int(1)),
    "--sessions": (v) => (o.sessions = v.int(1)),
    "--guests": (v) => (o.guests = v.int(1)),
    "--hold": (v) => (o.holdS = v.int(1)),
    "--ramp-ms": (v) => (o.rampMs = v.int(0)),
    "--build": () => (o.build = true),
    "--no-pg": () => (o.pg = false),
    "--idle-domains": (v) => (o.idleDomains = v.int(0)),
    "--profile-dir": (v) => (o.profileDir = v.path()),
    "--node-arg": (v) => o.nodeArgs.push(v.text()),
    "--out": (v) => (o.out = v.path()),
    "--stack-env": (v) => (o.stackEnv = v.path()),
  });
  return o;
}

// --- cleanup, also on failure and on signals -----------------------------------------------------
let stack: Stack | undefined;
let server: BenchServer | undefined;
let guests: Guests | undefined;
const helpers: Helper[] = [];
const pipes = new Set<Pipe>();
let tmp: string | undefined;
let failed = false;
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.allSettled([...pipes].map((p) => p.close()));
    try {
      await server?.stop();
    } catch (err) {
      console.error("[bench] stopping the server failed:", err);
    }
    server = undefined;
    for (const h of helpers.splice(0)) {
      try {
        await h.stop();
      } catch (err) {
        console.error(`[bench] stopping ${h.name} failed:`, err);
      }
    }
    if (pgDatabase) {
      try {
        await pgQuery(pgDatabase.admin, `DROP DATABASE IF EXISTS "${pgDatabase.name}" WITH (FORCE)`);
      } catch (err) {
        console.error(`[bench] dropping database ${pgDatabase.name} failed:`, err);
      }
      pgDatabase = undefined;
    }
    if (guests) {
      const n = guests.cleanupAll();
      if (n) log(`removed ${n} vdbench-console-* guests`);
    }
    if (stack) stackClose(stack);
    if (tmp) {
      if (failed || process.env.VDBENCH_KEEP_LOGS) console.error(`[bench] logs kept in ${tmp}`);
      else rmSync(tmp, { recursive: true, force: true });
    }
  })();
  return cleaning;
}

// --- small helpers -------------------------------------------------------------------------------
const log = (s: string) => console.error(`[bench] ${s}`);
const load = () =>
  execFileSync("uptime", { encoding: "utf8" })
    .trim()
    .replace(/^.*load average:\s*/, "load ");

interface Pct {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
  min: number;
}

/** Nearest-rank percentiles. */
function pct(samples: number[]): Pct {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) =>
    s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] : Number.NaN;
  return {
    n: s.length,
    p50: at(50),
    p99: at(99),
    mean: s.length ? s.reduce((a, b) => a + b, 0) / s.length : Number.NaN,
    max: s[s.length - 1] ?? Number.NaN,
    min: s[0] ?? Number.NaN,
  };
}

const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : "-");
const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : "-");
const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : "-");
const f0 = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : "-");
const median = (xs: number[]) => pct(xs).p50;
function rotate<T>(xs: readonly T[], k: number): T[] {
  const n = xs.length;
  return xs.map((_, i) => xs[(i + k) % n]);
}

/** A pipe that is closed again at cleanup if the bench fails while it is open. */
async function tracked(p: Promise<Pipe>): Promise<Pipe> {
  const pipe = await p;
  pipes.add(pipe);
  const close = pipe.close.bind(pipe);
  pipe.close = async () => {
    pipes.delete(pipe);
    await close();
  };
  return pipe;
}

// --- virtdeck (a) --------------------------------------------------------------------------------
interface Virtdeck {
  api: ApiClient;
  server: BenchServer;
  hostId: string;
  /** The node process that serves the app. */
  pid: number;
  sshPort: number;
}

async function setupVirtdeck(host: BenchHost, srv: BenchServer): Promise<Virtdeck> {
  const t0 = now();
  const api = new ApiClient(srv.base);
  const password = randomBytes(18).toString("base64url");
  const setup = await api.ok<{ csrfToken: string }>("POST", "/api/setup", { username: "bench", password });
  api.csrf = setup.csrfToken;
  const { host: created } = await api.ok<{ host: { id: string } }>("POST", "/api/hosts", {
    name: host.name,
    address: host.address,
    port: host.port,
    username: host.username,
    libvirtUri: host.uri,
    key: { kind: "paste", privateKey: readKey(host) },
  });
  const test = await api.ok<{
    steps: { id: string; ok: boolean | null; detail: string }[];
    host: { presentedHostKeySha256: string | null };
  }>("POST", `/api/hosts/${created.id}/test`);
  const presented = test.host.presentedHostKeySha256;
  // Pin only the key the stack generated for this host.
  if (presented !== host.hostKeySha256) throw new Error(`host1 presented ${presented}, expected ${host.hostKeySha256}`);
  const bad = test.steps.filter((s) => s.ok === false && s.id !== "hostkey");
  if (bad.length) throw new Error(`host1 test failed: ${bad.map((s) => `${s.id}: ${s.detail}`).join("; ")}`);
  await api.ok("POST", `/api/hosts/${created.id}/confirm-key`, { fingerprint: presented });
  log(`virtdeck server on ${srv.base}: admin, host1 added and its key pinned in ${f0(now() - t0)} ms`);
  return { api, server: srv, hostId: created.id, pid: listenerPid(srv.port), sshPort: host.port };
}

/** Stops the server and starts a fresh one on the same data directory (same user session and host). */
async function restartVirtdeck(vd: Virtdeck, dataDir: string, logFile: string, profileDir?: string): Promise<void> {
  await vd.server.stop();
  if (vd.server === server) server = undefined;
  vd.server = await ownServerStart(dataDir, logFile, { profileDir });
  vd.api.base = vd.server.base;
  vd.api.csrf = (await vd.api.ok<{ csrfToken: string }>("GET", "/api/auth/me")).csrfToken;
  vd.pid = listenerPid(vd.server.port);
}

/**
 * The production server started by the bench itself (bench/lib/server.ts always uses PGlite and
 * takes no node flags): on PGlite in dataDir, or on PostgreSQL with databaseUrl; with profileDir,
 * node writes a CPU profile there when the server exits.
 */
async function ownServerStart(
  dataDir: string,
  logFile: string,
  o: { databaseUrl?: string; profileDir?: string } = {},
): Promise<BenchServer> {
  const port = await freePort();
  const env = serverEnv(port, dataDir);
  if (o.databaseUrl) env.DATABASE_URL = o.databaseUrl;
  const prof = o.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${o.profileDir}`] : [];
  const h = helperStart(
    `virtdeck server (${o.databaseUrl ? "PostgreSQL" : "PGlite"})`,
    ["node", ...prof, "scripts/start.mjs"],
    logFile,
    { cwd: ROOT, env },
  );
  helpers.push(h);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (h.exited()) throw new Error(`the server exited during start (${h.exited()}), see ${logFile}`);
    try {
      const r = await fetch(`${base}/api/health`);
      await r.arrayBuffer();
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`the server did not become ready, see ${logFile}`);
    await sleep(100);
  }
  return {
    port,
    base,
    pid: h.pid,
    stop: async () => {
      await h.stop();
      const i = helpers.indexOf(h);
      if (i >= 0) helpers.splice(i, 1);
    },
  };
}

let pgDatabase: { admin: string; name: string } | undefined;

interface TicketCost {
  baseDomains: number;
  base: Pct;
  moreDomains?: number;
  defineMs?: number;
  /** The first ticket after the new domains appeared (it also reads their XML). */
  firstAfter?: number;
  more?: Pct;
}

/** n tickets one after the other (never used: they expire after 30 s). */
async function ticketSeries(vd: Virtdeck, g: Guest, n: number): Promise<Pct> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) xs.push((await mint(vd, g)).mintMs);
  return pct(xs);
}

interface Minted {
  mintMs: number;
  url: string;
}

async function mint(vd: Virtdeck, g: Guest): Promise<Minted> {
  const t0 = now();
  const r = await vd.api.call<{ url: string; error?: { code: string; message: string } }>(
    "POST",
    `/api/vms/${vd.hostId}/${g.uuid}/console`,
    { kind: "vnc" },
  );
  const mintMs = now() - t0;
  if (r.status !== 201)
    throw Object.assign(new Error(`ticket: HTTP ${r.status} ${r.json?.error?.code ?? r.text.slice(0, 120)}`), {
      stage: "mint",
    });
  return { mintMs, url: r.json.url };
}

function virtdeckOpen(vd: Virtdeck, url: string): Promise<Pipe> {
  return wsPipe(`ws://127.0.0.1:${vd.server.port}${url}`, { origin: vd.server.base, cookie: vd.api.cookie });
}

// --- SSH tunnels and websockify (b, c) ------------------------------------------------------------
interface Tunnel {
  helper: Helper;
  /** local port -> target port */
  ports: Map<number, number>;
  cipher: string;
}

async function sshTunnel(
  name: string,
  host: BenchHost,
  knownHosts: string,
  targets: number[],
  extra: string[],
  logFile: string,
): Promise<Tunnel> {
  const ports = new Map<number, number>();
  for (const t of targets) ports.set(await freePort(), t);
  const argv = [
    "ssh",
    "-v",
    "-N",
    "-F",
    "/dev/null",
    "-o",
    "BatchMode=yes",
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    "StrictHostKeyChecking=accept-new",
    "-o",
    `UserKnownHostsFile=${knownHosts}`,
    "-o",
    "ExitOnForwardFailure=yes",
    ...extra,
    "-i",
    host.privateKeyPath,
    "-p",
    String(host.port),
    ...[...ports].flatMap(([l, t]) => ["-L", `127.0.0.1:${l}:127.0.0.1:${t}`]),
    `${host.username}@${host.address}`,
  ];
  const helper = helperStart(name, argv, logFile);
  helpers.push(helper);
  for (const l of ports.keys()) await waitListening(l, helper);
  // accept-new trusted whatever answered: check it is the key the stack generated.
  const fp = execFileSync("ssh-keygen", ["-lf", knownHosts], { encoding: "utf8" });
  if (!fp.includes(host.hostKeySha256))
    throw new Error(`${name}: sshd presented a key other than the pinned ${host.hostKeySha256}: ${fp}`);
  const cipher = /kex: server->client cipher: (\S+)/.exec(readFileSync(logFile, "utf8"))?.[1] ?? "?";
  return { helper, ports, cipher };
}

/**
 * The cipher ssh2 negotiates with this sshd: virtdeck's transport (lib/hosts/ssh-transport.ts) passes
 * no algorithm list, so a plain ssh2 client with the same library and defaults gets the same one.
 */
async function ssh2Cipher(host: BenchHost): Promise<string> {
  const { default: ssh2 } = await import("ssh2");
  const { createHash } = await import("node:crypto");
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client();
    let cipher = "?";
    c.on("ready", () => {
      c.end();
      resolve(cipher);
    });
    c.on("error", reject);
    c.connect({
      host: host.address,
      port: host.port,
      username: host.username,
      privateKey: readKey(host),
      hostVerifier: (key: Buffer) =>
        `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}` === host.hostKeySha256,
      debug: (line: string) => {
        const m = /S->C cipher: (\S+)$/.exec(line);
        if (m && !m[1].includes(",")) cipher = m[1];
      },
    });
  });
}

async function websockify(name: string, target: number, logFile: string): Promise<{ helper: Helper; port: number }> {
  const port = await freePort();
  const helper = helperStart(name, ["websockify", `127.0.0.1:${port}`, `127.0.0.1:${target}`], logFile);
  helpers.push(helper);
  await waitListening(port, helper);
  return { helper, port };
}

// --- paths ---------------------------------------------------------------------------------------
type PathId = "direct" | "c" | "b" | "b-gcm" | "a";

interface PathDef {
  id: PathId;
  label: string;
  /** Opens a connection to the path's target; for (a) mints a ticket first. */
  open(): Promise<{ pipe: Pipe; mintMs?: number; openMs: number }>;
  /** Processes whose CPU is the proxy's cost, and the sshd processes serving this path. */
  proxyPids(): number[];
  sshdPids(): number[];
}

/** (a): a ticket from the API, then the console websocket. */
function virtdeckPath(vd: Virtdeck, g: Guest): PathDef {
  return {
    id: "a",
    label: "(a) virtdeck /ws/console (ssh2 forwardOut)",
    open: async () => {
      const t0 = now();
      const m = await mint(vd, g);
      const pipe = await tracked(virtdeckOpen(vd, m.url));
      return { pipe, mintMs: m.mintMs, openMs: now() - t0 };
    },
    proxyPids: () => [vd.pid],
    sshdPids: () => sshdFor(vd.pid, vd.sshPort).pids,
  };
}

async function timedOpen(open: () => Promise<Pipe>): Promise<{ pipe: Pipe; openMs: number }> {
  const t0 = now();
  const pipe = await tracked(open());
  return { pipe, openMs: now() - t0 };
}

// --- measurements --------------------------------------------------------------------------------
interface ThroughputRow {
  id: PathId;
  label: string;
  mbps: number[];
  proxyMsPerMB: number[];
  sshdMsPerMB: number[];
  proxyCores: number[];
  /** This process (the bench's websocket/TCP client reading the stream), CPU ms per MB. */
  clientMsPerMB: number[];
  idleCores: number;
}

async function throughput(paths: PathDef[], opts: Options): Promise<ThroughputRow[]> {
  const bytes = opts.mib * 1024 * 1024;
  const open = new Map<PathId, Pipe>();
  for (const p of paths) {
    const { pipe } = await p.open();
    open.set(p.id, pipe);
    // Warm-up: JIT, socket buffers, SSH windows.
    pipe.send(streamCommand(16 << 20));
    await pipe.skip(16 << 20, 60_000);
  }
  // What the proxy processes burn with the session open and idle (timers, keepalives, session checks).
  const idle0 = paths.map((p) => cpuSeconds(p.proxyPids()));
  const tIdle = now();
  await sleep(3_000);
  const idleS = (now() - tIdle) / 1000;
  const idleCores = paths.map((p, i) => (cpuSeconds(p.proxyPids()) - idle0[i]) / idleS);
  const rows = new Map<PathId, ThroughputRow>(
    paths.map((p, i) => [
      p.id,
      {
        id: p.id,
        label: p.label,
        mbps: [],
        proxyMsPerMB: [],
        sshdMsPerMB: [],
        proxyCores: [],
        clientMsPerMB: [],
        idleCores: p.proxyPids().length ? idleCores[i] : Number.NaN,
      },
    ]),
  );
  for (let r = 0; r < opts.runs; r++) {
    for (const p of rotate(paths, r)) {
      const pipe = open.get(p.id)!;
      const proxy = p.proxyPids();
      const sshd = p.sshdPids();
      const c0 = cpuSeconds(proxy);
      const s0 = cpuSeconds(sshd);
      const me0 = process.cpuUsage();
      const t0 = now();
      pipe.send(streamCommand(bytes));
      await pipe.skip(bytes, 300_000);
      const sec = (now() - t0) / 1000;
      const me = process.cpuUsage(me0);
      // websockify's fork and the server flush their last writes a moment after the client has them.
      await sleep(50);
      const cpu = cpuSeconds(proxy) - c0;
      const sshdCpu = cpuSeconds(sshd) - s0;
      const mb = bytes / 1e6;
      const row = rows.get(p.id)!;
      row.mbps.push(mb / sec);
      row.proxyMsPerMB.push(proxy.length ? (cpu * 1000) / mb : Number.NaN);
      row.sshdMsPerMB.push(sshd.length ? (sshdCpu * 1000) / mb : Number.NaN);
      row.proxyCores.push(proxy.length ? cpu / sec : Number.NaN);
      row.clientMsPerMB.push((me.user + me.system) / 1000 / mb);
    }
    log(
      `throughput run ${r + 1}/${opts.runs}: ${[...rows.values()].map((x) => `${x.id} ${f0(x.mbps[x.mbps.length - 1])}`).join(", ")} MB/s`,
    );
  }
  for (const pipe of open.values()) await pipe.close();
  return [...rows.values()];
}

interface LatencyRow {
  id: PathId;
  label: string;
  rtt: Pct;
  added?: { p50: number; p99: number };
  /** Samples above 1 ms, and the share of them falling in the densest 100 ms of a 1 s cycle (1 Hz stalls). */
  slow?: { n: number; densest100msOf1s: number };
}

/** Of the samples slower than 1 ms, the largest share whose start times fall in one 100 ms window of the second. */
function periodicity(samples: { at: number; ms: number }[]): { n: number; densest100msOf1s: number } {
  const slow = samples.filter((s) => s.ms > 1).map((s) => ((s.at % 1000) + 1000) % 1000);
  let best = 0;
  for (let start = 0; start < 1000; start += 10) {
    const n = slow.filter((x) => (x - start + 1000) % 1000 < 100).length;
    if (n > best) best = n;
  }
  return { n: slow.length, densest100msOf1s: slow.length ? best / slow.length : Number.NaN };
}

/** Keystroke-sized echo round trips through the synthetic source, paths interleaved in blocks. */
async function echoLatency(paths: PathDef[], samples: number): Promise<LatencyRow[]> {
  const open = new Map<PathId, Pipe>();
  const rtts = new Map<PathId, number[]>(paths.map((p) => [p.id, []]));
  const timeline = new Map<PathId, { at: number; ms: number }[]>(paths.map((p) => [p.id, []]));
  let seq = 0;
  for (const p of paths) {
    const { pipe } = await p.open();
    open.set(p.id, pipe);
    for (let i = 0; i < 50; i++) {
      pipe.send(pingCommand(seq++));
      await pipe.take(8, 10_000);
    }
  }
  const block = 100;
  for (let done = 0, r = 0; done < samples; done += block, r++) {
    for (const p of rotate(paths, r)) {
      const pipe = open.get(p.id)!;
      for (let i = 0; i < Math.min(block, samples - done); i++) {
        const cmd = pingCommand(seq++);
        const t0 = now();
        pipe.send(cmd);
        const back = await pipe.take(8, 10_000);
        const dt = now() - t0;
        if (!back.equals(cmd)) throw new Error(`${p.id}: echo mismatch`);
        rtts.get(p.id)!.push(dt);
        timeline.get(p.id)!.push({ at: Date.now(), ms: dt });
      }
    }
  }
  for (const pipe of open.values()) await pipe.close();
  return withAdded(paths, rtts).map((r) => ({ ...r, slow: periodicity(timeline.get(r.id)!) }));
}

function withAdded(paths: PathDef[], rtts: Map<PathId, number[]>): LatencyRow[] {
  const base = pct(rtts.get("direct") ?? []);
  return paths.map((p) => {
    const rtt = pct(rtts.get(p.id)!);
    return {
      id: p.id,
      label: p.label,
      rtt,
      added: p.id === "direct" ? undefined : { p50: rtt.p50 - base.p50, p99: rtt.p99 - base.p99 },
    };
  });
}

/**
 * RFB round trips against a real guest: a non-incremental FramebufferUpdateRequest for a 1x1
 * region (10 bytes), answered by QEMU at once with an ExtendedDesktopSize update (the pixels follow
 * later, on QEMU's refresh timer, and are read and skipped as they come).
 */
async function rfbLatency(paths: PathDef[], samples: number): Promise<LatencyRow[]> {
  const open = new Map<PathId, { pipe: Pipe; init: ServerInit }>();
  const rtts = new Map<PathId, number[]>(paths.map((p) => [p.id, []]));
  const once = async (pipe: Pipe, init: ServerInit) => {
    const t0 = now();
    updateRequest(pipe, false, 0, 0, 1, 1);
    for (;;) {
      const u = await readUpdate(pipe, init.bytesPerPixel, 10_000);
      if (u.rects.some((r) => r.encoding === ENC_EXT_DESKTOP_SIZE)) return now() - t0;
    }
  };
  for (const p of paths) {
    const { pipe } = await p.open();
    const init = await rfbHandshake(pipe);
    setEncodings(pipe, [ENC_RAW, ENC_EXT_DESKTOP_SIZE]);
    open.set(p.id, { pipe, init });
    for (let i = 0; i < 20; i++) await once(pipe, init);
  }
  const block = 50;
  for (let done = 0, r = 0; done < samples; done += block, r++) {
    for (const p of rotate(paths, r)) {
      const { pipe, init } = open.get(p.id)!;
      for (let i = 0; i < Math.min(block, samples - done); i++) rtts.get(p.id)!.push(await once(pipe, init));
    }
  }
  for (const { pipe } of open.values()) await pipe.close();
  return withAdded(paths, rtts);
}

interface FirstFrame {
  mintMs?: number;
  openMs: number;
  serverInitMs: number;
  firstUpdateMs: number;
  frameMs: number;
  frameBytes: number;
}

/**
 * A fresh console each time: (a) ticket -> websocket -> RFB handshake -> SetEncodings(Raw) and a
 * full non-incremental FramebufferUpdateRequest -> the whole first FramebufferUpdate received.
 * (b)/(c)/direct the same without a ticket. Times from the start of the attempt.
 */
async function firstFrame(p: PathDef): Promise<FirstFrame> {
  const t0 = now();
  const { pipe, mintMs } = await p.open();
  const openMs = now() - t0;
  try {
    const init = await rfbHandshake(pipe);
    const serverInitMs = now() - t0;
    setEncodings(pipe, [ENC_RAW]);
    updateRequest(pipe, false, 0, 0, init.width, init.height);
    for (;;) {
      const u = await readUpdate(pipe, init.bytesPerPixel, 15_000);
      if (u.pixelBytes > 0)
        return {
          mintMs,
          openMs,
          serverInitMs,
          firstUpdateMs: u.headerAt - t0,
          frameMs: now() - t0,
          frameBytes: u.pixelBytes,
        };
    }
  } finally {
    await pipe.close();
  }
}

interface SessionResult {
  ok: boolean;
  stage?: string;
  detail?: string;
  mintMs?: number;
  openMs?: number;
  /** Ticket request sent -> ServerInit received. */
  readyMs?: number;
  handshakeMs?: number;
  dropped?: string;
}

interface ConcurrencyResult {
  label: string;
  sessions: number;
  guests: number;
  rampMs: number;
  ok: number;
  failed: number;
  failures: Record<string, number>;
  rssBaseMiB: number;
  rssPeakMiB: number;
  rssAfterMiB: number;
  sshConnections: number;
  readyMs: Pct;
  mintMs: Pct;
  /** Websocket upgrade (ticket consumed, session checked) and then the RFB handshake to ServerInit. */
  upgradeMs: Pct;
  handshakeMs: Pct;
  /** From the first ticket request until every session had settled, and the server's CPU in it. */
  openPhaseS: number;
  serverCpuS: number;
  load: string;
}

/**
 * `sessions` consoles on one server, started `rampMs` apart, spread round-robin over `targets`:
 * each mints a ticket, opens the websocket and completes the RFB handshake to ServerInit; all are
 * held `holdS` seconds after the last one settled, then closed.
 */
async function concurrency(
  vd: Virtdeck,
  label: string,
  targets: Guest[],
  sessions: number,
  rampMs: number,
  holdS: number,
): Promise<ConcurrencyResult> {
  await sleep(2_000);
  const rssBase = rssMiB(vd.pid);
  let rssPeak = rssBase;
  const sampler = setInterval(() => {
    const r = rssMiB(vd.pid);
    if (r > rssPeak) rssPeak = r;
  }, 100);
  const results: SessionResult[] = [];
  const open: Pipe[] = [];
  const pipeOf = new Map<number, Pipe>();
  const one = async (i: number): Promise<void> => {
    await sleep(i * rampMs);
    const g = targets[i % targets.length];
    const res: SessionResult = { ok: false };
    results[i] = res;
    const t0 = now();
    let pipe: Pipe | undefined;
    try {
      const m = await mint(vd, g);
      res.mintMs = m.mintMs;
      const t1 = now();
      try {
        pipe = await tracked(virtdeckOpen(vd, m.url));
      } catch (err) {
        throw Object.assign(err as Error, { stage: "upgrade" });
      }
      open.push(pipe);
      pipeOf.set(i, pipe);
      res.openMs = now() - t1;
      try {
        await rfbHandshake(pipe, 30_000);
      } catch (err) {
        throw Object.assign(new Error(pipe.closedWith() ? `closed ${pipe.closedWith()}` : (err as Error).message), {
          stage: "handshake",
        });
      }
      res.readyMs = now() - t0;
      res.handshakeMs = res.readyMs - res.mintMs - res.openMs;
      res.ok = true;
    } catch (err) {
      res.stage = (err as { stage?: string }).stage ?? "open";
      res.detail = (err as Error).message.slice(0, 160);
    }
  };
  const cpu0 = cpuSeconds([vd.pid]);
  const t0 = now();
  await Promise.all(Array.from({ length: sessions }, (_, i) => one(i)));
  const openPhaseS = (now() - t0) / 1000;
  const serverCpuS = cpuSeconds([vd.pid]) - cpu0;
  // Hold everything open, then check which sessions the far side dropped meanwhile.
  await sleep((holdS * 1000) / 2);
  const ssh = sshdFor(vd.pid, vd.sshPort);
  await sleep((holdS * 1000) / 2);
  // A session counts only if it was still open when the hold ended.
  let dropped = 0;
  for (const [i, r] of results.entries()) {
    const closedWith = r.ok ? pipeOf.get(i)?.closedWith() : null;
    if (closedWith) {
      dropped++;
      r.ok = false;
      r.stage = "hold";
      r.detail = `closed ${closedWith}`;
    }
  }
  await Promise.all(open.map((p) => p.close()));
  clearInterval(sampler);
  await sleep(3_000);
  const rssAfter = rssMiB(vd.pid);
  const failures: Record<string, number> = {};
  for (const r of results) {
    if (r.ok) continue;
    const key = `${r.stage}: ${r.detail}`;
    failures[key] = (failures[key] ?? 0) + 1;
  }
  const ok = results.filter((r) => r.ok).length;
  if (dropped) log(`${label}: ${dropped} sessions closed by the far side during the hold`);
  return {
    label,
    sessions,
    guests: targets.length,
    rampMs,
    ok,
    failed: sessions - ok,
    failures,
    rssBaseMiB: rssBase,
    rssPeakMiB: rssPeak,
    rssAfterMiB: rssAfter,
    sshConnections: ssh.connections,
    readyMs: pct(results.filter((r) => r.ok).map((r) => r.readyMs!)),
    mintMs: pct(results.filter((r) => r.mintMs !== undefined).map((r) => r.mintMs!)),
    upgradeMs: pct(results.filter((r) => r.openMs !== undefined).map((r) => r.openMs!)),
    handshakeMs: pct(results.filter((r) => r.handshakeMs !== undefined).map((r) => r.handshakeMs!)),
    openPhaseS,
    serverCpuS,
    load: load(),
  };
}

// --- main ----------------------------------------------------------------------------------------
async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  stack = stackOpen(ROOT, opts.stackEnv);
  const host = stack.hosts[0];
  tmp = mkdtempSync(path.join(os.tmpdir(), "vdbench-console-"));
  guests = new Guests(host.uri, tmp);
  const leftovers = guests.cleanupAll();
  if (leftovers) log(`removed ${leftovers} vdbench-console-* guests left by an earlier run`);
  // Others build in this tree too: while their `next build` runs, .next has no BUILD_ID yet.
  for (
    let i = 0;
    i < 240 &&
    !opts.build &&
    !existsSync(path.join(ROOT, ".next", "BUILD_ID")) &&
    existsSync(path.join(ROOT, ".next", "lock"));
    i++
  ) {
    if (i === 0) log("another next build is running: waiting for it");
    await sleep(1_000);
  }
  ensureBuild(ROOT, opts.build);
  const build = buildInfo(ROOT);
  if (build.newerSources.length)
    log(
      `warning: ${build.newerSources.length} source files are newer than .next (BUILD_ID ${build.id}): ${build.newerSources.slice(0, 8).join(", ")}`,
    );

  const pkg = (p: string) =>
    spawnSync("dpkg-query", ["-W", "-f", "${Version}", p], { encoding: "utf8" }).stdout.trim() || "?";
  const machine = {
    date: new Date().toISOString(),
    cpu: os.cpus()[0]?.model ?? "?",
    cores: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    qemu: pkg("qemu-system-x86"),
    openssh: pkg("openssh-server"),
    websockify: pkg("python3-websockify"),
    libvirt: guests.qemuVersion(),
    commit:
      execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim() +
      (execFileSync("git", ["status", "--porcelain", "--", "lib", "app", "server.ts"], {
        cwd: ROOT,
        encoding: "utf8",
      }).trim()
        ? "+dirty"
        : ""),
    build,
    loadStart: load(),
    host1Domains: guests.domainCount(),
  };
  log(
    `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memGiB} GiB, node ${machine.node}; ${machine.loadStart}`,
  );

  // Guests: tiny Linux guests for RFB, one carrier for the synthetic source.
  const tag = randomBytes(3).toString("hex");
  const kernel = tinyGuestFiles(ROOT);
  const rfb = await guests.startRfbGuests(tag, opts.guests, kernel);
  log(
    `${opts.guests} tiny guests running, settled after ${f0(rfb.settleMs)} ms (VNC ports ${rfb.guests.map((g) => g.vncPort).join(", ")})`,
  );
  const carrier = await guests.startCarrier(tag);
  const source = helperStart(
    "source",
    [process.execPath, "--import", "tsx", path.join(ROOT, "bench/console-proxy/source.ts"), String(carrier.vncPort)],
    path.join(tmp, "source.log"),
    { cwd: ROOT },
  );
  helpers.push(source);
  await waitListening(carrier.vncPort, source);
  log(
    `carrier ${carrier.name}: XML port ${carrier.vncPort} (synthetic source), QEMU's VNC moved to ${carrier.qemuVncPort}`,
  );

  const dataDir = path.join(tmp, "data");
  const serverLog = path.join(tmp, "server.log");
  // With --profile-dir this server (setup, first frames, throughput, latency) writes a profile too.
  const nodeArgs = [...(opts.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${opts.profileDir}`] : []), ...opts.nodeArgs];
  server = await serverStart({ root: ROOT, dataDir, logFile: serverLog, nodeArgs });
  const vd = await setupVirtdeck(host, server);
  /** Server RSS (MiB) along the run: the app's idle footprint and what the phases leave behind. */
  const rss: Record<string, number> = { afterSetup: rssMiB(vd.pid) };
  const knownHosts = path.join(tmp, "known_hosts");
  const g0 = rfb.guests[0];
  const sshDefault = await sshTunnel(
    "ssh -L",
    host,
    knownHosts,
    [carrier.vncPort, g0.qemuVncPort],
    [],
    path.join(tmp, "ssh.log"),
  );
  const sshGcm = await sshTunnel(
    "ssh -L (aes128-gcm)",
    host,
    knownHosts,
    [carrier.vncPort],
    ["-c", "aes128-gcm@openssh.com"],
    path.join(tmp, "ssh-gcm.log"),
  );
  const localFor = (t: Tunnel, target: number) => [...t.ports].find(([, v]) => v === target)![0];
  const wsC = await websockify("websockify (c, synthetic)", carrier.vncPort, path.join(tmp, "ws-c-syn.log"));
  const wsCg = await websockify("websockify (c, guest)", g0.qemuVncPort, path.join(tmp, "ws-c-rfb.log"));
  const wsB = await websockify(
    "websockify (b, synthetic)",
    localFor(sshDefault, carrier.vncPort),
    path.join(tmp, "ws-b-syn.log"),
  );
  const wsBg = await websockify(
    "websockify (b, guest)",
    localFor(sshDefault, g0.qemuVncPort),
    path.join(tmp, "ws-b-rfb.log"),
  );
  const wsBgcm = await websockify(
    "websockify (b-gcm, synthetic)",
    localFor(sshGcm, carrier.vncPort),
    path.join(tmp, "ws-bgcm-syn.log"),
  );
  const cipherA = await ssh2Cipher(host);
  log(`ciphers: virtdeck (ssh2) ${cipherA}; ssh -L ${sshDefault.cipher}; ssh -L -c aes128-gcm ${sshGcm.cipher}`);

  const sshPort = host.port;
  const paths = (target: "syn" | "rfb", g: Guest = g0): PathDef[] => {
    const defs: PathDef[] = [
      {
        id: "direct",
        label: "direct TCP (no proxy)",
        open: async () => timedOpen(() => tcpPipe(target === "syn" ? carrier.vncPort : g.qemuVncPort)),
        proxyPids: () => [],
        sshdPids: () => [],
      },
      {
        id: "c",
        label: "(c) websockify, no SSH",
        open: async () => timedOpen(() => wsPipe(`ws://127.0.0.1:${(target === "syn" ? wsC : wsCg).port}/`)),
        proxyPids: () => [(target === "syn" ? wsC : wsCg).helper.pid],
        sshdPids: () => [],
      },
      {
        id: "b",
        label: `(b) websockify + ssh -L (${sshDefault.cipher})`,
        open: async () => timedOpen(() => wsPipe(`ws://127.0.0.1:${(target === "syn" ? wsB : wsBg).port}/`)),
        proxyPids: () => [(target === "syn" ? wsB : wsBg).helper.pid, sshDefault.helper.pid],
        sshdPids: () => sshdFor(sshDefault.helper.pid, sshPort).pids,
      },
    ];
    if (target === "syn") {
      defs.push({
        id: "b-gcm",
        label: `(b) websockify + ssh -L -c ${sshGcm.cipher}`,
        open: async () => timedOpen(() => wsPipe(`ws://127.0.0.1:${wsBgcm.port}/`)),
        proxyPids: () => [wsBgcm.helper.pid, sshGcm.helper.pid],
        sshdPids: () => sshdFor(sshGcm.helper.pid, sshPort).pids,
      });
    }
    defs.push({
      ...virtdeckPath(vd, target === "syn" ? carrier : g),
      label: `(a) virtdeck /ws/console (ssh2 forwardOut, ${cipherA})`,
    });
    return defs;
  };

  // 1. First frame, (a) cold first (the server has no SSH connection or virsh session yet).
  const loads: Record<string, string> = {};
  const domains: Record<string, number> = {};
  const phase = (name: string) => {
    loads[name] = load();
    domains[name] = guests!.domainCount();
  };
  phase("firstFrame");
  // websockify (b, c) points at guest 0: every path uses it.
  const ff = paths("rfb");
  const coldA = await firstFrame(ff.find((p) => p.id === "a")!);
  log(
    `(a) cold first console: ticket ${f0(coldA.mintMs!)} ms, websocket ${f0(coldA.openMs)} ms, ServerInit ${f0(coldA.serverInitMs)} ms, first frame ${f0(coldA.frameMs)} ms`,
  );
  const frames = new Map<PathId, FirstFrame[]>(ff.map((p) => [p.id, []]));
  for (let i = 0; i < opts.first; i++) {
    for (const p of rotate(ff, i)) {
      frames.get(p.id)!.push(await firstFrame(p));
      await sleep(100);
    }
  }
  rss.afterFirstFrame = rssMiB(vd.pid);
  log(
    `first frame (median): ${ff.map((p) => `${p.id} ${f0(median(frames.get(p.id)!.map((x) => x.frameMs)))} ms`).join(", ")}`,
  );

  // 2. Throughput on the synthetic source.
  phase("throughput");
  const tp = await throughput(paths("syn"), opts);
  rss.afterThroughput = rssMiB(vd.pid);

  // 3. Echo latency on the synthetic source.
  phase("echo");
  const echo = await echoLatency(paths("syn"), opts.pings);
  log(`echo p99: ${echo.map((r) => `${r.id} ${f3(r.rtt.p99)} ms`).join(", ")}`);

  // 4. RFB round trips on a real guest.
  phase("rfb");
  const rfbLat = await rfbLatency(paths("rfb"), opts.rfbPings);
  log(`RFB p99: ${rfbLat.map((r) => `${r.id} ${f3(r.rtt.p99)} ms`).join(", ")}`);

  rss.afterLatency = rssMiB(vd.pid);

  // 4b. What a ticket costs, and how that grows with the host's domain count: every ticket
  // refreshes the whole host inventory (lib/consoles/tickets.ts). Last on this server: the domains
  // it defines and removes cause libvirt events the server keeps processing for a while.
  phase("tickets");
  const ticketCost: TicketCost = { baseDomains: domains.tickets, base: await ticketSeries(vd, g0, 20) };
  if (opts.idleDomains > 0) {
    const t0 = now();
    const idle = guests.idleDefine(tag, opts.idleDomains);
    ticketCost.defineMs = now() - t0;
    try {
      ticketCost.moreDomains = guests.domainCount();
      ticketCost.firstAfter = (await mint(vd, g0)).mintMs;
      ticketCost.more = await ticketSeries(vd, g0, 20);
    } finally {
      guests.idleRemove(idle);
    }
  }
  log(
    `ticket p50: ${f0(ticketCost.base.p50)} ms with ${ticketCost.baseDomains} domains on host1${ticketCost.more ? `, ${f0(ticketCost.more.p50)} ms with ${ticketCost.moreDomains}` : ""}`,
  );

  // 5. Concurrent sessions, on a fresh server (so that the bulk transfers above do not count),
  // warmed by one console (SSH connection, virsh session and inventory in place).
  await restartVirtdeck(vd, dataDir, serverLog, opts.profileDir);
  await sleep(1_000);
  rss.freshIdle = rssMiB(vd.pid);
  await firstFrame(virtdeckPath(vd, g0));
  await sleep(1_000);
  rss.freshAfterOneConsole = rssMiB(vd.pid);
  log(
    `server RSS (MiB): ${Object.entries(rss)
      .map(([k, v]) => `${k} ${f0(v)}`)
      .join(", ")}`,
  );
  const conc: ConcurrencyResult[] = [];
  conc.push(
    await concurrency(
      vd,
      `PGlite: ${opts.sessions} over ${rfb.guests.length} guests, ${opts.rampMs} ms apart`,
      rfb.guests,
      opts.sessions,
      opts.rampMs,
      opts.holdS,
    ),
  );
  log(`concurrency: ${JSON.stringify(conc[conc.length - 1])}`);
  conc.push(
    await concurrency(
      vd,
      `PGlite: ${opts.sessions} over ${rfb.guests.length} guests, all at once`,
      rfb.guests,
      opts.sessions,
      0,
      opts.holdS,
    ),
  );
  log(`concurrency: ${JSON.stringify(conc[conc.length - 1])}`);
  conc.push(
    await concurrency(
      vd,
      `PGlite: ${opts.sessions} on one guest, ${opts.rampMs} ms apart`,
      [g0],
      opts.sessions,
      opts.rampMs,
      opts.holdS,
    ),
  );
  log(`concurrency: ${JSON.stringify(conc[conc.length - 1])}`);
  phase("pglite100");

  // 6. The same 100 sessions on a server backed by PostgreSQL (the stack's cluster) instead of PGlite.
  let echoPg: LatencyRow[] | undefined;
  const pgUrl = opts.pg ? stackPgUrl(opts.stackEnv ?? path.join(ROOT, ".stack", "env")) : undefined;
  if (opts.pg && !pgUrl) log("no VD_TEST_PG_URL in the stack: skipping the PostgreSQL-backed server");
  if (pgUrl) {
    await vd.server.stop();
    const admin = new URL(pgUrl);
    const name = `vdbench_console_${tag}`;
    await pgQuery(admin.toString(), `CREATE DATABASE "${name}"`);
    pgDatabase = { admin: admin.toString(), name };
    const dbUrl = new URL(pgUrl);
    dbUrl.pathname = `/${name}`;
    const srv = await ownServerStart(path.join(tmp, "data-pg"), path.join(tmp, "server-pg.log"), {
      databaseUrl: dbUrl.toString(),
      profileDir: opts.profileDir,
    });
    const vdPg = await setupVirtdeck(host, srv);
    await sleep(1_000);
    rss.pgFreshIdle = rssMiB(vdPg.pid);
    await firstFrame(virtdeckPath(vdPg, g0));
    await sleep(1_000);
    rss.pgFreshAfterOneConsole = rssMiB(vdPg.pid);
    // The echo again, on this server: does the embedded database's work on the event loop show in the tail?
    echoPg = await echoLatency(
      [paths("syn")[0], { ...virtdeckPath(vdPg, carrier), label: "(a) virtdeck on PostgreSQL" }],
      opts.pings,
    );
    log(`echo p99 on the PostgreSQL-backed server: ${echoPg.map((r) => `${r.id} ${f3(r.rtt.p99)} ms`).join(", ")}`);
    conc.push(
      await concurrency(
        vdPg,
        `PostgreSQL: ${opts.sessions} over ${rfb.guests.length} guests, ${opts.rampMs} ms apart`,
        rfb.guests,
        opts.sessions,
        opts.rampMs,
        opts.holdS,
      ),
    );
    log(`concurrency: ${JSON.stringify(conc[conc.length - 1])}`);
    await srv.stop();
  }
  phase("end");

  const serverLogErrors = [serverLog, path.join(tmp, "server-pg.log")]
    .filter((f) => existsSync(f))
    .flatMap((f) => readFileSync(f, "utf8").split("\n"))
    .filter((l) => /error|failed/i.test(l))
    .slice(0, 20);
  const result = {
    machine,
    options: opts,
    loads,
    domains,
    rss,
    ticketCost,
    echoPg,
    ciphers: { a: cipherA, b: sshDefault.cipher, bGcm: sshGcm.cipher },
    coldA,
    frames: Object.fromEntries(frames),
    tp,
    echo,
    rfbLat,
    conc,
    serverLogErrors,
  };
  writeFileSync(opts.out, JSON.stringify(result, null, 2));
  report(result);
  log(`results: ${opts.out}`);
}

// --- report --------------------------------------------------------------------------------------
function report(r: {
  machine: Record<string, unknown> & { date: string };
  options: Options;
  loads: Record<string, string>;
  domains: Record<string, number>;
  rss: Record<string, number>;
  ticketCost: TicketCost;
  echoPg?: LatencyRow[];
  coldA: FirstFrame;
  frames: Record<string, FirstFrame[]>;
  tp: ThroughputRow[];
  echo: LatencyRow[];
  rfbLat: LatencyRow[];
  conc: ConcurrencyResult[];
  serverLogErrors: string[];
}): void {
  const m = r.machine;
  const o = r.options;
  const L: string[] = [];
  L.push(`\n### bench:console, ${m.date.slice(0, 10)}\n`);
  L.push(
    `${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, ${m.os}, node ${m.node}, QEMU ${m.qemu}, OpenSSH ${m.openssh}, websockify ${m.websockify}, commit ${m.commit}`,
  );
  L.push(
    `Load (1/5/15 min) at the start of each phase: start ${m.loadStart}; ${Object.entries(r.loads)
      .map(([k, v]) => `${k} ${v}`)
      .join("; ")}`,
  );
  L.push(
    `Domains defined on host1 (qemu:///system is shared with the other users of the machine; a ticket reads only its own VM since 591d571, before that it refreshed the inventory of all of them): ${Object.entries(
      r.domains,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}\n`,
  );

  L.push(
    `Throughput, synthetic source, ${o.runs} runs x ${o.mib} MiB per path (MB = 10^6 bytes; median [min-max]); CPU per MB of the proxy processes and of the sshd serving the path:\n`,
  );
  L.push(
    "| path | MB/s | proxy CPU ms/MB | proxy cores busy | proxy cores when idle | sshd CPU ms/MB | client CPU ms/MB |",
  );
  L.push("|---|---|---|---|---|---|---|");
  for (const t of r.tp) {
    L.push(
      `| ${t.label} | ${f0(median(t.mbps))} [${f0(Math.min(...t.mbps))}-${f0(Math.max(...t.mbps))}] | ${f2(median(t.proxyMsPerMB))} | ${f2(median(t.proxyCores))} | ${f3(t.idleCores)} | ${f2(median(t.sshdMsPerMB))} | ${f2(median(t.clientMsPerMB))} |`,
    );
  }
  const tpOf = (id: PathId) => median(r.tp.find((t) => t.id === id)?.mbps ?? []);
  // The same round's samples of two paths ran back to back: their ratio cancels most of the load drift.
  const paired = (x: PathId, y: PathId) => {
    const a = r.tp.find((t) => t.id === x)?.mbps ?? [];
    const b = r.tp.find((t) => t.id === y)?.mbps ?? [];
    const q = a.slice(0, b.length).map((v, i) => v / b[i]);
    return q.length ? `${f2(median(q))}x [${f2(Math.min(...q))}-${f2(Math.max(...q))}]` : "-";
  };
  L.push(
    `\n(a)/(b) = ${f2(tpOf("a") / tpOf("b"))}x, (a)/(b-gcm) = ${f2(tpOf("a") / tpOf("b-gcm"))}x, (a)/(c) = ${f2(tpOf("a") / tpOf("c"))}x`,
  );
  L.push(
    `Per round (paired samples), median [min-max]: (a)/(b) ${paired("a", "b")}, (a)/(b-gcm) ${paired("a", "b-gcm")}\n`,
  );

  const lat = (title: string, rows: LatencyRow[]) => {
    const slow = rows.some((x) => x.slow);
    L.push(title);
    L.push(
      `| path | RTT p50 ms | RTT p99 ms | max ms | added p50 ms | added p99 ms |${slow ? " samples > 1 ms (share in the densest 100 ms of each second) |" : ""}`,
    );
    L.push(`|---|---|---|---|---|---|${slow ? "---|" : ""}`);
    for (const x of rows) {
      const sl = x.slow ? ` ${x.slow.n} (${f0(x.slow.densest100msOf1s * 100)}%) |` : "";
      L.push(
        `| ${x.label} | ${f3(x.rtt.p50)} | ${f3(x.rtt.p99)} | ${f2(x.rtt.max)} | ${x.added ? f3(x.added.p50) : "-"} | ${x.added ? f3(x.added.p99) : "-"} |${sl}`,
      );
    }
    L.push("");
  };
  lat(
    `Echo round trip, 8-byte message, synthetic source, ${o.pings} samples per path (added = path minus direct TCP at the same percentile):\n`,
    r.echo,
  );
  if (r.echoPg)
    lat(
      `The same echo against the PostgreSQL-backed server (section "Concurrent sessions"), ${o.pings} samples per path:\n`,
      r.echoPg,
    );
  lat(
    `RFB round trip to a real guest (non-incremental 1x1 FramebufferUpdateRequest -> QEMU's ExtendedDesktopSize reply), ${o.rfbPings} samples per path:\n`,
    r.rfbLat,
  );

  L.push(
    `First frame from a real guest (fresh connection each time; ${o.first} per path; median / max, ms from the start of the attempt):\n`,
  );
  L.push("| path | ticket | websocket open | ServerInit | first update header | whole first frame |");
  L.push("|---|---|---|---|---|---|");
  const mm = (xs: number[]) => `${f0(median(xs))} / ${f0(Math.max(...xs))}`;
  for (const [id, xs] of Object.entries(r.frames)) {
    const label = r.tp.find((t) => t.id === id)?.label ?? id;
    L.push(
      `| ${label} | ${xs[0]?.mintMs === undefined ? "-" : mm(xs.map((x) => x.mintMs!))} | ${mm(xs.map((x) => x.openMs))} | ${mm(xs.map((x) => x.serverInitMs))} | ${mm(xs.map((x) => x.firstUpdateMs))} | ${mm(xs.map((x) => x.frameMs))} |`,
    );
  }
  const c = r.coldA;
  const fa = r.frames.a ?? [];
  if (fa.length)
    L.push(
      `| (a) minus its ticket request | - | ${mm(fa.map((x) => x.openMs - x.mintMs!))} | ${mm(fa.map((x) => x.serverInitMs - x.mintMs!))} | ${mm(fa.map((x) => x.firstUpdateMs - x.mintMs!))} | ${mm(fa.map((x) => x.frameMs - x.mintMs!))} |`,
    );
  L.push(
    `| (a) cold: first console after server start | ${f0(c.mintMs!)} | ${f0(c.openMs)} | ${f0(c.serverInitMs)} | ${f0(c.firstUpdateMs)} | ${f0(c.frameMs)} |`,
  );
  L.push(`\nFrame size ${r.frames.a?.[0]?.frameBytes ?? "?"} bytes (Raw).\n`);
  const tc = r.ticketCost;
  L.push(
    `Ticket (POST /api/vms/:host/:uuid/console), 20 in a row: p50 ${f0(tc.base.p50)} ms, p99 ${f0(tc.base.p99)} ms with ${tc.baseDomains} domains on host1` +
      (tc.more
        ? `; with ${tc.moreDomains} (${o.idleDomains} inactive ones added): p50 ${f0(tc.more.p50)} ms, p99 ${f0(tc.more.p99)} ms (the first one after adding them ${f0(tc.firstAfter!)} ms)`
        : "") +
      "\n",
  );

  L.push(
    `virtdeck server RSS (MiB): ${Object.entries(r.rss)
      .map(([k, v]) => `${k} ${f0(v)}`)
      .join(", ")}\n`,
  );
  L.push(
    `Concurrent sessions on one (fresh) virtdeck server (ticket -> websocket -> RFB to ServerInit, held ${o.holdS} s, closed):\n`,
  );
  L.push(
    "| scenario | ok | failed | server RSS before / peak / after MiB | peak minus before, per open session | SSH connections | ticket p50/p99 ms | upgrade p50/p99 ms | RFB to ServerInit p50/p99 ms | ready p50/p99/max ms | server CPU while opening | failures |",
  );
  L.push("|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const x of r.conc) {
    L.push(
      `| ${x.label} | ${x.ok} | ${x.failed} | ${f0(x.rssBaseMiB)} / ${f0(x.rssPeakMiB)} / ${f0(x.rssAfterMiB)} | ${x.ok ? f0(((x.rssPeakMiB - x.rssBaseMiB) * 1024) / x.ok) : "-"} KiB | ${x.sshConnections} | ${f0(x.mintMs.p50)} / ${f0(x.mintMs.p99)} | ${f0(x.upgradeMs.p50)} / ${f0(x.upgradeMs.p99)} | ${f0(x.handshakeMs.p50)} / ${f0(x.handshakeMs.p99)} | ${f0(x.readyMs.p50)} / ${f0(x.readyMs.p99)} / ${f0(x.readyMs.max)} | ${f1(x.serverCpuS)} s in ${f1(x.openPhaseS)} s (${f0((x.serverCpuS * 1000) / x.sessions)} ms per session) | ${
        Object.entries(x.failures)
          .map(([k, v]) => `${v}x ${k}`)
          .join("; ") || "-"
      } |`,
    );
  }
  const echoA = r.echo.find((x) => x.id === "a")!;
  const rfbA = r.rfbLat.find((x) => x.id === "a")!;
  const ffA = (r.frames.a ?? []).map((x) => x.frameMs);
  const spreads = r.conc.filter((x) => x.rampMs > 0 && x.guests > 1);
  L.push("\nTargets:");
  L.push(
    `- throughput >= 1.5x (b): ${f2(tpOf("a") / tpOf("b"))}x -> ${tpOf("a") / tpOf("b") >= 1.5 ? "met" : "NOT met"}`,
  );
  L.push(
    `- p99 added latency < 2 ms: echo ${f3(echoA.added!.p99)} ms, RFB ${f3(rfbA.added!.p99)} ms -> ${echoA.added!.p99 < 2 && rfbA.added!.p99 < 2 ? "met" : "NOT met"}`,
  );
  const over = ffA.filter((x) => x >= 1000).length;
  L.push(
    `- first frame < 1 s: warm p50 ${f0(median(ffA))} ms, max ${f0(Math.max(...ffA))} ms (${over} of ${ffA.length} at 1 s or more), cold ${f0(c.frameMs)} ms -> ${over === 0 && c.frameMs < 1000 ? "met" : "NOT met for every attempt"}`,
  );
  for (const x of spreads) {
    const mb = x.rssPeakMiB * 1.048576;
    L.push(
      `- ${x.label}: ${x.ok} ok, ${x.failed} failed, peak RSS ${f0(mb)} MB (${f0(x.rssPeakMiB)} MiB) -> ${x.failed === 0 && mb < 400 ? "met" : "NOT met"}`,
    );
  }
  if (r.serverLogErrors.length)
    L.push(
      `\nServer log lines mentioning errors (first ${r.serverLogErrors.length}):\n${r.serverLogErrors.map((l) => `    ${l}`).join("\n")}`,
    );
  console.log(L.join("\n"));
}

benchRun({
  main,
  cleanup,
  failed: () => (failed = true),
  onExit: () => {
    serverKillAll();
    helpersKillAll();
  },
});
