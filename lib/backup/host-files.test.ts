import { describe, expect, it } from "vitest";
import {
  parseConvertProgress,
  parseDfAvailable,
  parseSha256,
  rebaseArgv,
  repoCheckArgv,
  sha256Argv,
} from "./host-files";
import { checkpointName, imageFile, parentImageRelative, pointLayout } from "./layout";
import { RepositoryPathSchema, BackupJobCreateSchema, BackupNameSchema } from "@/lib/contracts/backup";

const U = "0c7c6f64-8f7e-4a7d-9f55-6d7f3f0e2a11";
const P = "2b1d3c4e-5f60-4718-8293-a4b5c6d7e8f9";

describe("host argv", () => {
  it("keeps paths out of the scripts (positional parameters only)", () => {
    const evil = "/srv/a b;rm -rf /";
    const argv = repoCheckArgv(evil);
    expect(argv.at(-1)).toBe(evil);
    expect(argv[2]).not.toContain(evil);
    expect(sha256Argv(evil, ["vda.qcow2"]).slice(-2)).toEqual([evil, "vda.qcow2"]);
  });

  it("records an incremental's backing as the previous point, relative", () => {
    expect(rebaseArgv("/r/x/vda.qcow2", parentImageRelative(P, "vda"))).toEqual([
      "qemu-img",
      "rebase",
      "-u",
      "-f",
      "qcow2",
      "-b",
      `../${P}/vda.qcow2`,
      "-F",
      "qcow2",
      "--",
      "/r/x/vda.qcow2",
    ]);
  });

  it("parses sha256sum, df and qemu-img progress", () => {
    const h = "a".repeat(64);
    expect(parseSha256(`${h} *vda.qcow2\n${h}  domain.xml\n`)).toEqual(
      new Map([
        ["vda.qcow2", h],
        ["domain.xml", h],
      ]),
    );
    expect(
      parseDfAvailable("Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/x 100 40 60 40% /srv\n"),
    ).toBe(60 * 1024);
    expect(parseConvertProgress("    (12.50/100%)\r    (99.00/100%)\r")).toBe(99);
  });
});

describe("layout", () => {
  it("builds point paths from UUIDs and safe disk targets only", () => {
    expect(pointLayout("/srv/backups", U, P)).toEqual({
      vmDir: `/srv/backups/${U}`,
      partialDir: `/srv/backups/${U}/.partial-${P}`,
      finalDir: `/srv/backups/${U}/${P}`,
    });
    expect(() => pointLayout("/srv", "../../etc", P)).toThrow();
    expect(() => imageFile("../vda")).toThrow();
    expect(checkpointName(P)).toBe(`virtdeck-${P}`);
  });
});

describe("repository and job input", () => {
  it("refuses hostile repository paths with a message naming the problem", () => {
    for (const bad of [
      "relative/dir",
      "/",
      "/srv/../etc",
      "/srv//x",
      "/srv/$(id)",
      "/srv/a;b",
      "/srv/-x",
      "/srv/a\nb",
      "/srv/`x`",
      "/srv/'q'",
    ])
      expect(RepositoryPathSchema.safeParse(bad).success, bad).toBe(false);
    expect(RepositoryPathSchema.parse("/srv/backups/")).toBe("/srv/backups");
    expect(RepositoryPathSchema.parse("/srv/my backups/é")).toBe("/srv/my backups/é");
  });

  it("refuses names with quotes, spaces, ';' or a leading '-'", () => {
    for (const bad of ["a b", "a'b", "a;b", "-a", ".a", "", "x".repeat(65), "a<b"])
      expect(BackupNameSchema.safeParse(bad).success, bad).toBe(false);
  });

  it("refuses a retention that keeps nothing", () => {
    const r = BackupJobCreateSchema.safeParse({
      name: "j",
      repositoryId: U,
      keepDaily: 0,
      keepWeekly: 0,
      keepMonthly: 0,
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]).toMatchObject({ path: ["keepDaily"], message: expect.stringMatching(/at least one/) });
  });
});
