import type { PoolSpecInput } from "../../contracts/storage-pool";

/** The requests the pool fixtures (pool-<key>.xml) were made from by generate-pools.ts (defined only, never built or started). */
export const POOL_FIXTURE_SPECS = {
  dir: { name: "vdtest-poolfx-dir", type: "dir", targetPath: "/var/lib/vdtest-poolfx/dir" },
  fs: {
    name: "vdtest-poolfx-fs",
    type: "fs",
    sourceDevice: "/dev/vdtest-poolfx-nodev1",
    format: "ext4",
    targetPath: "/var/lib/vdtest-poolfx/fs",
  },
  netfs: {
    name: "vdtest-poolfx-netfs",
    type: "netfs",
    sourceHost: "nfs.example.org",
    sourcePath: "/srv/export/vm",
    targetPath: "/var/lib/vdtest-poolfx/netfs",
  },
  logical: {
    name: "vdtest-poolfx-logical",
    type: "logical",
    sourceDevices: ["/dev/vdtest-poolfx-nodev2", "/dev/vdtest-poolfx-nodev3"],
    vgName: "vdtest_poolfx_vg",
  },
  iscsi: {
    name: "vdtest-poolfx-iscsi",
    type: "iscsi",
    sourceHost: "192.0.2.10",
    port: 3260,
    target: "iqn.2026-01.org.example:storage.disk1",
    initiator: "iqn.2026-01.org.example:virtdeck",
  },
  disk: { name: "vdtest-poolfx-disk", type: "disk", sourceDevice: "/dev/vdtest-poolfx-nodev4", format: "gpt" },
} satisfies Record<string, PoolSpecInput>;
