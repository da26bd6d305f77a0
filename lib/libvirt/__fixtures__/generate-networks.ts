/**
 * Regenerates the network fixtures (network-*.xml) from a real libvirt: defines one network per
 * forward mode from networkXmlBuild's output, saves `net-dumpxml --inactive`, undefines them.
 * Networks with addresses or DHCP are defined only, never started, and only on test host 3:
 *
 *   source .stack/env && npx tsx --conditions react-server lib/libvirt/__fixtures__/generate-networks.ts
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { NetworkSpecSchema, type NetworkSpecInput } from "../../contracts/network";
import { networkXmlBuild } from "../network-xml";

const pid = readFileSync(process.env.VD_TEST_HOST3_PIDFILE!, "utf8").trim();
const uri = process.env.VD_TEST_LIBVIRT3_URI ?? "qemu:///system";
const work = mkdtempSync(path.join(tmpdir(), "vd-netfx-"));
const virsh = (args: string[]) =>
  execFileSync("nsenter", ["-t", pid, "-n", "-m", "--", "virsh", "-q", "-c", uri, ...args], {
    encoding: "utf8",
    env: { ...process.env, LC_ALL: "C.UTF-8" },
  });

const SPECS: Record<string, NetworkSpecInput> = {
  nat: {
    name: "vdtest-fx-nat",
    forwardMode: "nat",
    bridge: "vdfxbr0",
    mtu: 9000,
    domain: "lab.example",
    ips: [
      {
        family: "ipv4",
        address: "192.168.100.1",
        prefix: 24,
        dhcp: { start: "192.168.100.10", end: "192.168.100.50" },
        hosts: [{ mac: "52:54:00:aa:00:01", ip: "192.168.100.5", name: "web" }],
      },
      { family: "ipv6", address: "fd00:100::1", prefix: 64, dhcp: { start: "fd00:100::10", end: "fd00:100::ff" } },
    ],
  },
  isolated: { name: "vdtest-fx-isolated", forwardMode: "isolated" },
  route: { name: "vdtest-fx-route", forwardMode: "route", ips: [{ family: "ipv4", address: "10.77.0.1", prefix: 16 }] },
  bridge: { name: "vdtest-fx-bridge", forwardMode: "bridge", bridge: "br0" },
  macvtap: { name: "vdtest-fx-macvtap", forwardMode: "macvtap", dev: "eth0", macvtapMode: "vepa" },
};

for (const [key, input] of Object.entries(SPECS)) {
  const spec = NetworkSpecSchema.parse(input);
  const file = path.join(work, `${key}.xml`);
  writeFileSync(file, networkXmlBuild(spec));
  virsh(["net-define", file]);
  try {
    writeFileSync(path.join(import.meta.dirname, `network-${key}.xml`), virsh(["net-dumpxml", spec.name, "--inactive"]));
  } finally {
    virsh(["net-undefine", spec.name]);
  }
}
rmSync(work, { recursive: true, force: true });
