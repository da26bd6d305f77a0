import { describe, expect, it } from "vitest";
import {
  grantCovers,
  grantsGiving,
  privilegesAnywhere,
  privilegesAt,
  visibilityFrom,
  visibilityHas,
  visibilityHosts,
  type GrantFact,
} from "./effective";

const H1 = "11111111-1111-4111-8111-111111111111";
const H2 = "22222222-2222-4222-8222-222222222222";
const VM_A = "aaaaaaaa-0000-4000-8000-00000000000a";
const VM_B = "bbbbbbbb-0000-4000-8000-00000000000b";

const ROLE = {
  admin: ["vm.view", "vm.console", "vm.power", "host.view", "host.manage", "user.manage", "audit.view"],
  operator: ["vm.view", "vm.console", "vm.power", "host.view", "host.manage"],
  helpdesk: ["vm.view", "vm.console"],
  viewer: ["vm.view", "host.view"],
} as const;

function grant(
  roleId: keyof typeof ROLE,
  scope: GrantFact["scope"],
  at: Partial<Pick<GrantFact, "hostId" | "vmUuid" | "tag">> = {},
  via: GrantFact["via"] = { kind: "user" },
): GrantFact {
  return {
    grantId: `g-${roleId}-${scope}`,
    scope,
    hostId: at.hostId ?? null,
    vmUuid: at.vmUuid ?? null,
    tag: at.tag ?? null,
    roleId,
    roleName: roleId,
    privileges: ROLE[roleId],
    via,
  };
}

describe("grantCovers", () => {
  it("a global grant covers everything, a host grant its host and VMs, a VM grant only its VM", () => {
    const g = grant("viewer", "global");
    expect(grantCovers(g, undefined)).toBe(true);
    expect(grantCovers(g, { hostId: H1, vmUuid: VM_A })).toBe(true);

    const h = grant("viewer", "host", { hostId: H1 });
    expect(grantCovers(h, undefined)).toBe(false);
    expect(grantCovers(h, { hostId: H1 })).toBe(true);
    expect(grantCovers(h, { hostId: H1, vmUuid: VM_A })).toBe(true);
    expect(grantCovers(h, { hostId: H2, vmUuid: VM_A })).toBe(false);

    const v = grant("helpdesk", "vm", { hostId: H1, vmUuid: VM_A });
    expect(grantCovers(v, { hostId: H1, vmUuid: VM_A })).toBe(true);
    expect(grantCovers(v, { hostId: H1, vmUuid: VM_B })).toBe(false);
    // The same UUID on another host is another VM.
    expect(grantCovers(v, { hostId: H2, vmUuid: VM_A })).toBe(false);
    expect(grantCovers(v, { hostId: H1 })).toBe(false);
    expect(grantCovers(v, undefined)).toBe(false);
  });

  it("compares ids case-insensitively and never matches a VM without its host", () => {
    const v = grant("helpdesk", "vm", { hostId: H1, vmUuid: VM_A });
    expect(grantCovers(v, { hostId: H1.toUpperCase(), vmUuid: VM_A.toUpperCase() })).toBe(true);
    expect(grantCovers(v, { vmUuid: VM_A })).toBe(false);
  });

  it("a tag grant covers a VM carrying the tag, not the host nor untagged VMs", () => {
    const t = grant("helpdesk", "tag", { tag: "web" });
    expect(grantCovers(t, { hostId: H1, vmUuid: VM_A }, ["db", "web"])).toBe(true);
    expect(grantCovers(t, { hostId: H1, vmUuid: VM_A }, ["db"])).toBe(false);
    expect(grantCovers(t, { hostId: H1 }, ["web"])).toBe(false);
    expect(grantCovers(t, undefined, ["web"])).toBe(false);
  });
});

describe("privilegesAt", () => {
  it("unions the user's and the groups' grants that cover the target", () => {
    const grants = [
      grant("helpdesk", "vm", { hostId: H1, vmUuid: VM_A }),
      grant("viewer", "host", { hostId: H1 }, { kind: "group", groupId: "g1", groupName: "ops" }),
    ];
    expect([...privilegesAt(grants, { hostId: H1, vmUuid: VM_A })].sort()).toEqual([
      "host.view",
      "vm.console",
      "vm.view",
    ]);
    expect([...privilegesAt(grants, { hostId: H1, vmUuid: VM_B })].sort()).toEqual(["host.view", "vm.view"]);
    expect([...privilegesAt(grants, { hostId: H2, vmUuid: VM_A })]).toEqual([]);
    expect([...privilegesAt(grants, undefined)]).toEqual([]);
  });

  it("a view-only grant never gives power (the anchor bug)", () => {
    const grants = [grant("viewer", "vm", { hostId: H1, vmUuid: VM_A })];
    const p = privilegesAt(grants, { hostId: H1, vmUuid: VM_A });
    expect(p.has("vm.view")).toBe(true);
    expect(p.has("vm.power")).toBe(false);
    expect(p.has("vm.console")).toBe(false);
  });

  it("global privileges (user.manage) come only from global grants", () => {
    const grants = [grant("admin", "host", { hostId: H1 })];
    expect(privilegesAt(grants, undefined).has("user.manage")).toBe(false);
    expect(privilegesAt(grants, { hostId: H1 }).has("host.manage")).toBe(true);
    expect(privilegesAt([grant("admin", "global")], undefined).has("user.manage")).toBe(true);
  });

  it("ignores privilege names it does not know", () => {
    const g = { ...grant("viewer", "global"), privileges: ["vm.view", "root.everything"] };
    expect([...privilegesAt([g], undefined)]).toEqual(["vm.view"]);
  });

  it("a limit (API token) intersects: never more than the user holds, never more than the limit", () => {
    const grants = [grant("operator", "global")];
    const limited = privilegesAt(
      grants,
      { hostId: H1, vmUuid: VM_A },
      { limit: { privileges: ["vm.view", "user.manage"] } },
    );
    expect([...limited]).toEqual(["vm.view"]);
  });

  it("a VM limit (share link) gives only vm privileges on that one VM", () => {
    const grants = [grant("operator", "global")];
    const limit = { privileges: ["vm.view", "vm.console"] as const, vm: { hostId: H1, vmUuid: VM_A } };
    expect(
      [
        ...privilegesAt(
          grants,
          { hostId: H1, vmUuid: VM_A },
          { limit: { ...limit, privileges: [...limit.privileges] } },
        ),
      ].sort(),
    ).toEqual(["vm.console", "vm.view"]);
    expect([
      ...privilegesAt(grants, { hostId: H1, vmUuid: VM_B }, { limit: { ...limit, privileges: [...limit.privileges] } }),
    ]).toEqual([]);
    expect([...privilegesAt(grants, { hostId: H1 }, { limit: { vm: limit.vm } })]).toEqual([]);
  });
});

describe("grantsGiving", () => {
  it("names every grant a privilege is inherited from", () => {
    const grants = [
      grant("helpdesk", "vm", { hostId: H1, vmUuid: VM_A }),
      grant("viewer", "global", {}, { kind: "group", groupId: "g1", groupName: "auditors" }),
      grant("operator", "host", { hostId: H2 }),
    ];
    const from = grantsGiving(grants, "vm.view", { hostId: H1, vmUuid: VM_A });
    expect(from.map((g) => g.scope).sort()).toEqual(["global", "vm"]);
    expect(grantsGiving(grants, "vm.power", { hostId: H1, vmUuid: VM_A })).toEqual([]);
  });
});

describe("privilegesAnywhere", () => {
  it("collects privileges held at any scope, within a limit", () => {
    const grants = [grant("helpdesk", "vm", { hostId: H1, vmUuid: VM_A })];
    expect([...privilegesAnywhere(grants)].sort()).toEqual(["vm.console", "vm.view"]);
    expect([...privilegesAnywhere(grants, { privileges: ["vm.view"] })]).toEqual(["vm.view"]);
    expect([...privilegesAnywhere([grant("viewer", "global")], { vm: { hostId: H1, vmUuid: VM_A } })]).toEqual([
      "vm.view",
    ]);
  });

  it("ignores privileges that mean nothing at the grant's scope (host.view on one VM, user.manage on a host)", () => {
    expect([...privilegesAnywhere([grant("viewer", "vm", { hostId: H1, vmUuid: VM_A })])]).toEqual(["vm.view"]);
    const onHost = privilegesAnywhere([grant("admin", "host", { hostId: H1 })]);
    expect(onHost.has("host.manage")).toBe(true);
    expect(onHost.has("user.manage")).toBe(false);
    expect(onHost.has("audit.view")).toBe(false);
  });
});

describe("visibility", () => {
  it("global grants see everything; host grants whole hosts; VM and tag grants single VMs", () => {
    const all = visibilityFrom([{ scope: "global", hostId: null, vmUuid: null }], []);
    expect(all.all).toBe(true);
    expect(visibilityHosts(all)).toBe("all");

    const some = visibilityFrom(
      [
        { scope: "host", hostId: H2, vmUuid: null },
        { scope: "vm", hostId: H1, vmUuid: VM_A },
      ],
      [{ hostId: H1, vmUuid: VM_B }],
    );
    expect(visibilityHas(some, H1, VM_A)).toBe(true);
    expect(visibilityHas(some, H1, VM_B)).toBe(true);
    expect(visibilityHas(some, H2, VM_A)).toBe(true);
    expect(visibilityHas(some, H1, "cccccccc-0000-4000-8000-00000000000c")).toBe(false);
    expect([...(visibilityHosts(some) as Set<string>)].sort()).toEqual([H1, H2].sort());
  });

  it("a VM limit narrows visibility to that VM when the user may see it", () => {
    const v = visibilityFrom([{ scope: "global", hostId: null, vmUuid: null }], [], {
      vm: { hostId: H1, vmUuid: VM_A },
    });
    expect(v.all).toBe(false);
    expect(visibilityHas(v, H1, VM_A)).toBe(true);
    expect(visibilityHas(v, H1, VM_B)).toBe(false);
    const none = visibilityFrom([{ scope: "vm", hostId: H2, vmUuid: VM_B }], [], { vm: { hostId: H1, vmUuid: VM_A } });
    expect(visibilityHas(none, H1, VM_A)).toBe(false);
  });
});
