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
import { NetworkSpecSchema } from "../../contracts/network";
import { networkXmlBuild } from "../network-xml";
import { FIXTURE_SPECS } from "./network-specs";

const pid = readFileSync(process.env.VD_TEST_HOST3_PIDFILE!, "utf8").trim();
const uri = process.env.VD_TEST_LIBVIRT3_URI ?? "qemu:///system";
const work = mkdtempSync(path.join(tmpdir(), "vd-netfx-"));
const virsh = (args: string[]) =>
  execFileSync("nsenter", ["-t", pid, "-n", "-m", "--", "virsh", "-q", "-c", uri, ...args], {
    encoding: "utf8",
    env: { ...process.env, LC_ALL: "C.UTF-8" },
  });

for (const [key, input] of Object.entries(FIXTURE_SPECS)) {
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
