import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Browser } from "@playwright/test";
import { stackVar, testHostEnsure, testHostRelease, type HostOne } from "./host1";

/**
 * Host 3 of the test stack: a system libvirtd inside a network and mount namespace of its own
 * (scripts/stack/host3.sh), reached over a veth pair. Networks with addresses or DHCP live here only.
 */
export const HOST3 = {
  address: stackVar("VD_TEST_SSH3_HOST"),
  port: Number(stackVar("VD_TEST_SSH3_PORT")),
  user: stackVar("VD_TEST_SSH3_USER"),
  uri: stackVar("VD_TEST_LIBVIRT3_URI"),
  keyFile: stackVar("VD_TEST_SSH3_KEY"),
  fingerprint: stackVar("VD_TEST_SSH3_HOSTKEY_SHA256"),
};

/** virsh inside host 3's namespaces (nsenter into its libvirtd's network and mount namespaces). argv only. */
export function virshHost3(args: string[]): string {
  const pid = readFileSync(stackVar("VD_TEST_HOST3_PIDFILE"), "utf8").trim();
  try {
    return execFileSync("nsenter", ["-t", pid, "-n", "-m", "--", "virsh", "-q", "-c", HOST3.uri, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, LC_ALL: "C.UTF-8" },
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`virsh ${args.join(" ")} on host 3 failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

/** Host 3 for a spec: reused when online, else added (and removed again by hostThreeRelease). */
export const hostThreeEnsure = (browser: Browser, name: string): Promise<HostOne> =>
  testHostEnsure(browser, name, HOST3);
export const hostThreeRelease = testHostRelease;
