import { describe, expect, it } from "vitest";
import { quotaCheck, quotaMerge, type QuotaLimits } from "@/lib/provisioning/quota-rules";

const none: QuotaLimits = { maxVms: null, maxVcpus: null, maxMemoryMiB: null, maxDiskGiB: null };
const zero = { vms: 0, vcpus: 0, memoryMiB: 0, diskGiB: 0 };

describe("quotaMerge", () => {
  it("takes the user's own limit where set, else the most generous group's, else none", () => {
    const own: QuotaLimits = { ...none, maxVcpus: 2 };
    const a: QuotaLimits = { maxVms: 3, maxVcpus: 8, maxMemoryMiB: 1024, maxDiskGiB: null };
    const b: QuotaLimits = { maxVms: 5, maxVcpus: 4, maxMemoryMiB: null, maxDiskGiB: null };
    expect(quotaMerge(own, [a, b])).toEqual({ maxVms: 5, maxVcpus: 2, maxMemoryMiB: 1024, maxDiskGiB: null });
    expect(quotaMerge(null, [])).toEqual(none);
    expect(quotaMerge({ ...none, maxVms: 0 }, [a])).toMatchObject({ maxVms: 0 });
  });
});

describe("quotaCheck", () => {
  it("allows what fits and names every limit passed, with the numbers", () => {
    const limits: QuotaLimits = { maxVms: 2, maxVcpus: 4, maxMemoryMiB: 2048, maxDiskGiB: 20 };
    expect(quotaCheck(limits, zero, { vms: 1, vcpus: 4, memoryMiB: 2048, diskGiB: 20 })).toBeNull();
    const msg = quotaCheck(
      limits,
      { vms: 1, vcpus: 3, memoryMiB: 1024, diskGiB: 0 },
      { vms: 1, vcpus: 2, memoryMiB: 1024, diskGiB: 21 },
    );
    expect(msg).toBe(
      "allows 4 vCPUs: 3 in use, this needs 2 more; allows 20 GiB of disk: 0 in use, this needs 21 more",
    );
    expect(quotaCheck({ ...none, maxVms: 1 }, { ...zero, vms: 1 }, { ...zero, vms: 1 })).toBe(
      "allows 1 VM: 1 in use, this needs 1 more",
    );
  });

  it("never refuses a change that does not grow, even over a lowered limit", () => {
    expect(quotaCheck({ ...none, maxVcpus: 1 }, { ...zero, vcpus: 8 }, zero)).toBeNull();
    expect(
      quotaCheck(
        none,
        { vms: 99, vcpus: 99, memoryMiB: 99, diskGiB: 99 },
        { vms: 1, vcpus: 1, memoryMiB: 1, diskGiB: 1 },
      ),
    ).toBeNull();
  });
});
