import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * The test stack of scripts/stack/up.sh, as a benchmark sees it: two SSH "hosts" on loopback
 * (host1 = root@127.0.0.1 with qemu:///system, host2 = vdhost2@127.0.0.2 with qemu:///session).
 * A running stack (.stack/env present) is reused and left running; otherwise the bench brings one
 * up and takes it down again when it is done.
 */
export interface BenchHost {
  key: "host1" | "host2";
  name: string;
  address: string;
  port: number;
  username: string;
  privateKeyPath: string;
  hostKeySha256: string;
  uri: string;
  /** argv prefix that runs a local command as the host's own user (for the raw baseline). */
  runAs: string[];
  domainType: string;
}

export interface Stack {
  root: string;
  /** known_hosts with both test hosts' keys (for the OpenSSH client). */
  knownHosts: string;
  hosts: [BenchHost, BenchHost];
  /** True when this process brought the stack up (and so must take it down). */
  ownsStack: boolean;
}

/** Loopback only: a benchmark never talks to anything else. */
export function assertLoopback(address: string): void {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address) && address !== "::1" && address !== "localhost") {
    throw new Error(`refusing non-loopback address ${address}`);
  }
}

function readEnvFile(file: string): Record<string, string> {
  // Let bash undo printf %q quoting; print NUL-separated pairs of the variables the file exports.
  const out = execFileSync("bash", ["-c", 'set -a; source "$1"; env -0', "bash", file], {
    // Only what the file sets: VD_* variables of the calling shell (an older stack) are dropped.
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VD_"))) as NodeJS.ProcessEnv,
  });
  const vars: Record<string, string> = {};
  for (const pair of out.toString("utf8").split("\0")) {
    const i = pair.indexOf("=");
    if (i > 0 && pair.startsWith("VD_")) vars[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return vars;
}

/** envFile: another checkout's .stack/env to reuse (e.g. when benchmarking a scratch copy of the tree). */
export function stackOpen(root: string, envFile = path.join(root, ".stack", "env")): Stack {
  let ownsStack = false;
  if (!existsSync(envFile)) {
    if (envFile !== path.join(root, ".stack", "env")) throw new Error(`${envFile} does not exist`);
    console.error("[bench] no .stack/env: bringing the test stack up (scripts/stack/up.sh)");
    const r = spawnSync("bash", [path.join(root, "scripts/stack/up.sh")], { stdio: "inherit", cwd: root });
    if (r.status !== 0) throw new Error("scripts/stack/up.sh failed");
    ownsStack = true;
  }
  const e = readEnvFile(envFile);
  const need = (k: string) => {
    const v = e[k];
    if (!v) throw new Error(`.stack/env lacks ${k}`);
    return v;
  };
  const domainType = e.VD_TEST_DOMAIN_TYPE || "qemu";
  const hosts: [BenchHost, BenchHost] = [
    {
      key: "host1",
      name: "bench-host1",
      address: need("VD_TEST_SSH_HOST"),
      port: Number(need("VD_TEST_SSH_PORT")),
      username: need("VD_TEST_SSH_USER"),
      privateKeyPath: need("VD_TEST_SSH_KEY"),
      hostKeySha256: need("VD_TEST_SSH_HOSTKEY_SHA256"),
      uri: need("VD_TEST_LIBVIRT_URI"),
      runAs: [],
      domainType,
    },
    {
      key: "host2",
      name: "bench-host2",
      address: need("VD_TEST_SSH2_HOST"),
      port: Number(need("VD_TEST_SSH2_PORT")),
      username: need("VD_TEST_SSH2_USER"),
      privateKeyPath: need("VD_TEST_SSH2_KEY"),
      hostKeySha256: need("VD_TEST_SSH2_HOSTKEY_SHA256"),
      uri: need("VD_TEST_LIBVIRT2_URI"),
      runAs: ["runuser", "-u", need("VD_TEST_SSH2_USER"), "--"],
      domainType,
    },
  ];
  for (const h of hosts) assertLoopback(h.address);
  return { root, knownHosts: path.join(need("VD_TEST_STACK_DIR"), "known_hosts"), hosts, ownsStack };
}

export function stackClose(stack: Stack): void {
  if (!stack.ownsStack) return;
  spawnSync("bash", [path.join(stack.root, "scripts/stack/down.sh")], { stdio: "inherit", cwd: stack.root });
}

export const readKey = (h: BenchHost) => readFileSync(h.privateKeyPath, "utf8");
