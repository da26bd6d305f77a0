import { describe, expect, it } from "vitest";
import { virshCommand } from "@/lib/hosts/virsh-command";
import { liveStepCommand } from "./vm-edit-live";

const UUID = "6d1f0c52-3b8e-4d0a-9a57-1c2f5e7a0b01";
const argv = (step: Parameters<typeof liveStepCommand>[1]) => {
  const { cmd, stdin } = liveStepCommand(UUID, step);
  // Through the allow-list, as the host client would run it.
  return { argv: [...virshCommand(cmd)], stdin };
};

describe("live edit steps as virsh commands", () => {
  it("sets vCPUs and memory on the running guest only", () => {
    expect(argv({ kind: "setvcpus", count: 2 })).toEqual({ argv: ["setvcpus", UUID, "2", "--live"], stdin: undefined });
    expect(argv({ kind: "setmem", kib: 73728 })).toEqual({
      argv: ["setmem", UUID, "73728", "--live"],
      stdin: undefined,
    });
  });

  it("passes title and description as one option value", () => {
    expect(argv({ kind: "desc", field: "title", text: "a b; c" }).argv).toEqual([
      "desc",
      UUID,
      "--live",
      "--title",
      "--new-desc",
      "a b; c",
    ]);
    expect(argv({ kind: "desc", field: "description", text: "x" }).argv).toEqual([
      "desc",
      UUID,
      "--live",
      "--new-desc",
      "x",
    ]);
  });

  it("sends device XML on stdin for attach, detach and update (ejection forced)", () => {
    expect(argv({ kind: "attach", deviceXml: "<disk/>" })).toEqual({
      argv: ["attach-device", UUID, "/dev/stdin", "--live"],
      stdin: "<disk/>",
    });
    expect(argv({ kind: "detach", deviceXml: "<interface/>" })).toEqual({
      argv: ["detach-device", UUID, "/dev/stdin", "--live"],
      stdin: "<interface/>",
    });
    expect(argv({ kind: "update", deviceXml: "<disk/>", force: true }).argv).toEqual([
      "update-device",
      UUID,
      "/dev/stdin",
      "--live",
      "--force",
    ]);
    expect(argv({ kind: "update", deviceXml: "<disk/>" }).argv).toEqual([
      "update-device",
      UUID,
      "/dev/stdin",
      "--live",
    ]);
  });
});
