/**
 * Regenerates the pool fixtures (pool-*.xml) from a real libvirt: defines one pool per type from
 * poolXmlBuild's output on test host 1, saves `pool-dumpxml --inactive`, undefines it. The pools
 * are defined only (never built or started: nothing is mounted, formatted or logged in to), and
 * their devices do not exist.
 *
 *   source .stack/env && npx tsx --conditions react-server lib/libvirt/__fixtures__/generate-pools.ts
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PoolSpecSchema } from "../../contracts/storage-pool";
import { poolXmlBuild } from "../pool-xml";
import { POOL_FIXTURE_SPECS } from "./pool-specs";

const uri = process.env.VD_TEST_LIBVIRT_URI ?? "qemu:///system";
const work = mkdtempSync(path.join(tmpdir(), "vd-poolfx-"));
const virsh = (args: string[]) =>
  execFileSync("virsh", ["-q", "-c", uri, ...args], { encoding: "utf8", env: { ...process.env, LC_ALL: "C.UTF-8" } });

for (const [key, input] of Object.entries(POOL_FIXTURE_SPECS)) {
  const spec = PoolSpecSchema.parse(input);
  const file = path.join(work, `${key}.xml`);
  writeFileSync(file, poolXmlBuild(spec));
  virsh(["pool-define", file]);
  try {
    writeFileSync(path.join(import.meta.dirname, `pool-${key}.xml`), virsh(["pool-dumpxml", spec.name, "--inactive"]));
  } finally {
    virsh(["pool-undefine", spec.name]);
  }
}
rmSync(work, { recursive: true, force: true });
