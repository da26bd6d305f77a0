import { execFileSync } from "node:child_process";
import type { Browser } from "@playwright/test";
import { stackVar, testHostEnsure, testHostRelease, type HostOne } from "./host1";

/** Host 2 of the test stack: vdhost2@127.0.0.2, its own qemu:///session libvirt. */
export const HOST2 = {
  address: stackVar("VD_TEST_SSH2_HOST"),
  port: Number(stackVar("VD_TEST_SSH2_PORT")),
  user: stackVar("VD_TEST_SSH2_USER"),
  uri: stackVar("VD_TEST_LIBVIRT2_URI"),
  keyFile: stackVar("VD_TEST_SSH2_KEY"),
  fingerprint: stackVar("VD_TEST_SSH2_HOSTKEY_SHA256"),
};

/** Home directory of host 2's user (where its session libvirt may read and write). */
export function host2Home(): string {
  return execFileSync("getent", ["passwd", HOST2.user], { encoding: "utf8" }).split(":")[5];
}

/**
 * Runs a program locally as host 2's user, with the environment its SSH logins get, so
 * `virsh -c qemu:///session` reaches the same session daemon as the app. argv only.
 */
export function runAsHost2(argv: string[]): string {
  const env = [
    "env",
    "-i",
    `HOME=${host2Home()}`,
    `USER=${HOST2.user}`,
    `LOGNAME=${HOST2.user}`,
    "PATH=/usr/bin:/bin",
    "LC_ALL=C.UTF-8",
  ];
  try {
    return execFileSync("runuser", ["-u", HOST2.user, "--", ...env, ...argv], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${argv.join(" ")} as ${HOST2.user} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

/** virsh on this machine against host 2's libvirt (the one the app reaches over SSH). argv only. */
export function virshHost2(args: string[]): string {
  return runAsHost2(["virsh", "-q", "-c", HOST2.uri, ...args]);
}

export type HostTwo = HostOne;

/** Host 2 for a spec: reused when online, else added (and removed again by hostTwoRelease). */
export const hostTwoEnsure = (browser: Browser, name: string) => testHostEnsure(browser, name, HOST2);
export const hostTwoRelease = testHostRelease;
