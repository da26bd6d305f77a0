import { describe, expect, it } from "vitest";
import { auditDetailLines, auditTargetLabel } from "./audit-format";

describe("auditDetailLines", () => {
  it("reads changes, lists and plain values, four lines at most", () => {
    expect(
      auditDetailLines({
        role: { from: "operator", to: "helpdesk" },
        privileges: ["vm.view", "vm.console"],
        singleUse: true,
        note: "x".repeat(100),
        extra: 1,
        more: 2,
      }),
    ).toEqual({
      lines: [
        "role: operator → helpdesk",
        "privileges: vm.view, vm.console",
        "singleUse: true",
        `note: ${"x".repeat(79)}…`,
      ],
      more: 2,
    });
  });

  it("names a referenced object by its name", () => {
    expect(auditDetailLines({ subject: { id: "u1", kind: "user", name: "carol" } }).lines).toEqual(["subject: carol"]);
  });

  it("has nothing to say about empty details", () => {
    expect(auditDetailLines({})).toEqual({ lines: [], more: 0 });
    expect(auditDetailLines(null)).toEqual({ lines: [], more: 0 });
  });
});

describe("auditTargetLabel", () => {
  const names = new Map([["h1", "kvm-a"]]);
  const hostName = (id: string) => names.get(id);
  it("prefers the recorded name, then the host's name", () => {
    expect(auditTargetLabel({ targetType: "user", targetId: "u1", targetName: "carol" }, hostName)).toBe("user: carol");
    expect(auditTargetLabel({ targetType: "host", targetId: "h1", targetName: "" }, hostName)).toBe("host: kvm-a");
    expect(
      auditTargetLabel(
        { targetType: "vm", targetId: "h1/0f1e2d3c-aaaa-bbbb-cccc-000000000000", targetName: "" },
        hostName,
      ),
    ).toBe("vm: 0f1e2d3c (kvm-a)");
    expect(auditTargetLabel({ targetType: "", targetId: "", targetName: "" }, hostName)).toBe("");
  });
});
