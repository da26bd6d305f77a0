import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseDomJobInfo } from "./domjobinfo-parse";

const fx = (n: string) => path.join(import.meta.dirname, "__fixtures__", n);

describe("parseDomJobInfo", () => {
  it("reads a job without stats as type none", () => {
    expect(parseDomJobInfo("Job type:         None        \n").type).toBe("none");
  });

  it("reads the job type --rawstats prints as a number", () => {
    expect(parseDomJobInfo("Job type: 2\n\noperation: 10\n").type).toBe("unbounded");
    expect(parseDomJobInfo("Job type: 3\n").type).toBe("completed");
  });

  it("reads raw byte counts and the error of a failed job", () => {
    const j = parseDomJobInfo(
      "Job type:         Failed\nOperation:        Backup\n\ntime_elapsed:     40\ndisk_total:       1048576\ndisk_processed:   4096\nerrmsg:           No space left on device\n",
    );
    expect(j).toMatchObject({
      type: "failed",
      operation: "backup",
      totalBytes: 1048576,
      processedBytes: 4096,
      elapsedMs: 40,
      error: "No space left on device",
    });
  });

  it.runIf(existsSync(fx("domjobinfo-backup-completed.txt")))("reads a completed backup job (real libvirt)", () => {
    const j = parseDomJobInfo(readFileSync(fx("domjobinfo-backup-completed.txt"), "utf8"));
    expect(j.type).toBe("completed");
    expect(j.operation).toBe("backup");
    expect(j.totalBytes).toBeGreaterThan(0);
    expect(j.processedBytes).toBe(j.totalBytes);
  });
});
