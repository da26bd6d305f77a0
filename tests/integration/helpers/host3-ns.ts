// Host-side checks on test host 3 (scripts/stack/host3.sh): commands run inside the network and mount
// namespaces of its libvirtd with nsenter (this process is root on the test machine).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { stackEnv } from "./stack-env";
import { tinyGuestFiles } from "./tiny-guest";
import { testGuestXml } from "../../shared/guest-xml";

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

/**
 * Defines the tiny guest (TCG, 128 MiB, direct kernel boot, one virtio NIC on `network`) on host 3,
 * its XML written in `dir`; returns the MAC libvirt gave its NIC. libvirt does not check the network
 * at define, so it may be created afterwards (with this MAC as a static host).
 */
export function tinyGuestDefine3(guest: { name: string; uuid: string }, network: string, dir: string): string {
  const file = path.join(dir, `${guest.uuid}.xml`);
  writeFileSync(
    file,
    testGuestXml({
      ...guest,
      domainType: "qemu",
      memoryMiB: 128,
      kernelBoot: tinyGuestFiles(),
      networks: [network],
      noBalloon: true,
    }),
  );
  virsh3(["define", file]);
  const mac = /mac address='([0-9a-f:]+)'/.exec(virsh3(["dumpxml", guest.uuid]))?.[1];
  if (!mac) throw new Error(`no MAC address on ${guest.name}`);
  return mac;
}
