import { describe, expect, it } from "vitest";
import { PoolActionSchema, PoolSpecSchema, poolSpecDevices, type PoolSpecInput } from "./storage-pool";

/** The field paths zod names for a request (each once). */
function paths(input: unknown): string[] {
  const r = PoolSpecSchema.safeParse(input);
  return r.success ? [] : [...new Set(r.error.issues.map((i) => i.path.join(".")))];
}

const dir = { name: "images", type: "dir", targetPath: "/srv/images" } satisfies PoolSpecInput;

describe("pool create request", () => {
  it("accepts one request per type with defaults filled in", () => {
    expect(PoolSpecSchema.parse(dir)).toEqual({ ...dir, start: true, autostart: true, build: true });
    expect(
      PoolSpecSchema.parse({ name: "fs1", type: "fs", sourceDevice: "/dev/loop7", targetPath: "/mnt/fs1/" }),
    ).toMatchObject({ format: "ext4", targetPath: "/mnt/fs1" });
    expect(
      PoolSpecSchema.parse({
        name: "nfs",
        type: "netfs",
        sourceHost: "10.0.0.2",
        sourcePath: "/export",
        targetPath: "/mnt/n",
      }),
    ).toMatchObject({ type: "netfs" });
    expect(
      PoolSpecSchema.parse({ name: "vg0", type: "logical", sourceDevices: ["/dev/sdb", "/dev/sdc"] }),
    ).toMatchObject({ build: true });
    expect(PoolSpecSchema.parse({ name: "vg0", type: "logical", build: false })).toMatchObject({ sourceDevices: [] });
    expect(
      PoolSpecSchema.parse({
        name: "san",
        type: "iscsi",
        sourceHost: "san.example",
        target: "iqn.2026-01.org.example:t1",
      }),
    ).toMatchObject({ port: 3260 });
    expect(PoolSpecSchema.parse({ name: "d", type: "disk", sourceDevice: "/dev/sdd" })).toMatchObject({
      format: "gpt",
    });
  });

  it.each([
    ["a quote", "my'pool"],
    ["a space", "my pool"],
    ["a semicolon", "a;reboot"],
    ["a leading dash", "-pool"],
    ["$()", "$(id)"],
    ["<", "a<b"],
    ["&", "a&b"],
    ["unicode", "pööl"],
    ["nothing", ""],
    ["too long", "a".repeat(65)],
  ])("refuses a name with %s, naming the field", (_why, name) => {
    expect(paths({ ...dir, name })).toEqual(["name"]);
  });

  it.each([
    ["relative", "srv/images"],
    ["a space", "/srv/my images"],
    ["a quote", "/srv/x'y"],
    ["..", "/srv/../etc"],
    ["//", "/srv//x"],
    ["the root", "/"],
    ["under /dev", "/dev/shm/x"],
    ["/etc", "/etc"],
    ["a semicolon", "/srv/a;b"],
  ])("refuses a target path that is %s", (_why, targetPath) => {
    expect(paths({ ...dir, targetPath })).toEqual(["targetPath"]);
  });

  it("refuses devices outside /dev, a device listed twice, and a new volume group without devices", () => {
    expect(paths({ name: "f", type: "fs", sourceDevice: "/tmp/disk.img", targetPath: "/mnt/f" })).toEqual([
      "sourceDevice",
    ]);
    expect(paths({ name: "vg", type: "logical", sourceDevices: ["/dev/sdb", "/dev/sdb"] })).toEqual([
      "sourceDevices.1",
    ]);
    expect(paths({ name: "vg", type: "logical", sourceDevices: [] })).toEqual(["sourceDevices"]);
    expect(paths({ name: "vg", type: "logical", sourceDevices: ["/dev/sdb"], vgName: "-vg" })).toEqual(["vgName"]);
  });

  it("refuses a bad server, IQN, port, format and unknown fields", () => {
    const iscsi = { name: "s", type: "iscsi", sourceHost: "san", target: "iqn.2026-01.org.example:t" };
    expect(paths({ ...iscsi, sourceHost: "san;rm -rf" })).toEqual(["sourceHost"]);
    expect(paths({ ...iscsi, target: "not an iqn" })).toEqual(["target"]);
    expect(paths({ ...iscsi, port: 70000 })).toEqual(["port"]);
    expect(paths({ ...iscsi, port: "3260" })).toEqual(["port"]);
    expect(paths({ name: "f", type: "fs", sourceDevice: "/dev/sdb", targetPath: "/mnt/f", format: "auto" })).toEqual([
      "format",
    ]);
    expect(paths({ ...dir, extra: 1 })).toEqual([""]);
    expect(paths({ ...dir, type: "rbd" })).toEqual(["type"]);
  });

  it("lists the devices a request writes to, with their field", () => {
    const spec = PoolSpecSchema.parse({ name: "vg", type: "logical", sourceDevices: ["/dev/sdb", "/dev/sdc"] });
    expect(poolSpecDevices(spec)).toEqual([
      { path: "/dev/sdb", field: "sourceDevices.0" },
      { path: "/dev/sdc", field: "sourceDevices.1" },
    ]);
    expect(poolSpecDevices(PoolSpecSchema.parse(dir))).toEqual([]);
  });

  it("accepts the four actions and nothing else", () => {
    expect(PoolActionSchema.safeParse({ action: "refresh" }).success).toBe(true);
    expect(PoolActionSchema.safeParse({ action: "autostart", autostart: false }).success).toBe(true);
    expect(PoolActionSchema.safeParse({ action: "autostart" }).success).toBe(false);
    expect(PoolActionSchema.safeParse({ action: "delete" }).success).toBe(false);
  });
});
