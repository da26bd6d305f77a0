// Host-side checks on test host 3 (scripts/stack/host3.sh): commands run inside the network and mount
// namespaces of its libvirtd with nsenter (this process is root on the test machine).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { stackEnv } from "./stack-env";

/** Runs a command inside host 3's network and mount namespaces; returns stdout. */
export function inHost3(argv: string[]): string {
  const pid = readFileSync(stackEnv().host3.libvirtdPidFile, "utf8").trim();
  return execFileSync("nsenter", ["-t", pid, "-n", "-m", "--", ...argv], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, LC_ALL: "C.UTF-8" },
  });
}

/** virsh against host 3's own libvirtd, from inside its namespaces. */
export const virsh3 = (args: string[]) => inHost3(["virsh", "-q", "-c", stackEnv().host3.libvirtUri, ...args]);
