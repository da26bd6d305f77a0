import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { jobPercent, parseJobInfoRaw } from "./migration-jobinfo";

// `virsh domjobinfo --rawstats` of a tunnelled live migration host 1 -> host 3 on the test stack (libvirt
// 9.0, --bandwidth 8): on the source just after the start and while copying, and the destination's
// `--completed` statistics afterwards.
const fx = (name: string) => readFileSync(path.join(import.meta.dirname, "__fixtures__", name), "utf8");
const STARTING = fx("domjobinfo-setup.txt");
const COPYING = fx("domjobinfo-copying.txt");
const COMPLETED = fx("domjobinfo-completed-dest.txt");

describe("parseJobInfoRaw", () => {
  it("reads a job that has not sent anything yet as setup", () => {
    const j = parseJobInfoRaw(STARTING);
    expect(j).toMatchObject({ jobType: 2, phase: "setup", elapsedMs: 611, dataTotal: 0, dataProcessed: 0 });
    expect(jobPercent(j)).toBeNull();
  });

  it("reads progress, dirty rate and expected downtime while copying", () => {
    const j = parseJobInfoRaw(COPYING);
    expect(j).toMatchObject({
      phase: "copying",
      elapsedMs: 5087,
      dataTotal: 151592960,
      dataProcessed: 20190448,
      dataRemaining: 128364544,
      memoryDirtyRate: 0,
      memoryIteration: 1,
      expectedDowntimeMs: 300,
    });
    expect(jobPercent(j)).toBe(13);
  });

  it("reads the measured downtime of a completed job", () => {
    const j = parseJobInfoRaw(COMPLETED);
    expect(j).toMatchObject({ jobType: 3, phase: "completed", downtimeMs: 207, dataRemaining: 0, memoryIteration: 3 });
  });

  it("calls post-copy by its name, and no job 'none'", () => {
    expect(parseJobInfoRaw(COPYING.replace("memory_postcopy_requests: 0", "memory_postcopy_requests: 5")).phase).toBe(
      "postcopy",
    );
    expect(parseJobInfoRaw("Job type: 0\n\n").phase).toBe("none");
    expect(parseJobInfoRaw("Job type: 5\n").phase).toBe("cancelled");
  });

  it("ignores values that are not plain unsigned integers", () => {
    const j = parseJobInfoRaw("Job type: 2\ndata_total: -1\ndata_processed: 1e9\ntime_elapsed: 99999999999999999999\n");
    expect(j).toMatchObject({ dataTotal: null, dataProcessed: null, elapsedMs: null });
  });
});
