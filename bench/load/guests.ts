import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BenchHost } from "../lib/stack";
import { virshLine, virshLocal } from "../lib/virsh-local";
import { now } from "../lib/stats";
import { domainXml, freeVncPort } from "../inventory/domains";

/**
 * The load bench's domains on one host, all named `vdload-<n>` (the same tiny no-OS guests as
 * bench/inventory: 64 MiB, 1 vCPU, empty CD-ROM, so a started one idles in its firmware). The first
 * `guests` get fixed VNC ports so they can run. Only `vdload-*` domains are ever removed.
 */
export const LOAD_NAME = /^vdload-\d+$/;
export const loadName = (n: number) => `vdload-${n}`;

const errorsOf = (stderr: string) =>
  stderr
    .split(/\n(?=error: )/)
    .filter((l) => l.startsWith("error:"))
    .map((l) => l.trim().replace(/\s*\n\s*/g, " / "))
    .slice(0, 5);

async function run(host: BenchHost, lines: string[]): Promise<{ ms: number }> {
  const r = await virshLocal(host, lines);
  const errs = errorsOf(r.stderr);
  if (errs.length) throw new Error(`virsh on ${host.key}: ${errs.join(" | ")}`);
  return { ms: r.ms };
}

/** One virsh command as the host's own user, its output (the interactive prompt never appears). */
function virshOne(host: BenchHost, ...args: string[]): string {
  const [cmd, ...pre] = [
    ...host.runAs,
    "env",
    "-u",
    "XDG_RUNTIME_DIR",
    "LC_ALL=C.UTF-8",
    "virsh",
    "-q",
    "-c",
    host.uri,
    ...args,
  ];
  return execFileSync(cmd, pre, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Defines vdload-1..count on the host (one virsh reading every `define`); returns the UUIDs of the first `guests`. */
export async function loadDomainsDefine(host: BenchHost, count: number, guests: number): Promise<string[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "vdload-xml-"));
  chmodSync(dir, 0o755);
  try {
    const lines: string[] = [];
    for (let n = 1; n <= count; n++) {
      const file = path.join(dir, `${loadName(n)}.xml`);
      writeFileSync(file, domainXml(n, host.domainType, n <= guests ? await freeVncPort() : undefined, loadName(n)), {
        mode: 0o644,
      });
      lines.push(virshLine("define", file));
    }
    await run(host, lines);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const uuids: string[] = [];
  for (let n = 1; n <= guests; n++) uuids.push(virshOne(host, "domuuid", loadName(n)).trim().toLowerCase());
  return uuids;
}

/** Starts the named domains that are not running (one virsh); resolves when all run. */
export async function loadGuestsStart(host: BenchHost, uuids: readonly string[]): Promise<void> {
  const running = new Set(
    virshOne(host, "list", "--uuid")
      .split("\n")
      .map((l) => l.trim().toLowerCase()),
  );
  const todo = uuids.filter((u) => !running.has(u));
  if (todo.length)
    await run(
      host,
      todo.map((u) => virshLine("start", u)),
    );
}

/** The raw baseline: one `virsh destroy` process per guest, all at once; wall time of the slowest. */
export async function rawDestroyParallel(host: BenchHost, uuids: readonly string[]): Promise<number> {
  const t0 = now();
  await Promise.all(uuids.map((u) => run(host, [virshLine("destroy", u)])));
  return now() - t0;
}

/** Destroys and undefines every vdload-* domain on the host; returns how many it removed. */
export async function loadDomainsCleanup(host: BenchHost): Promise<number> {
  const names = async (...args: string[]) =>
    virshOne(host, "list", ...args)
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => LOAD_NAME.test(l));
  const mine = await names("--all", "--name");
  if (!mine.length) return 0;
  const up = await names("--name");
  const r = await virshLocal(
    host,
    [...up.map((n) => virshLine("destroy", n)), ...mine.map((n) => virshLine("undefine", n))],
    { keepOutput: false },
  );
  const errs = errorsOf(r.stderr);
  if (errs.length) console.error(`[bench] cleanup on ${host.key}: ${errs.join(" | ")}`);
  return mine.length;
}
