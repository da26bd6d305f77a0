import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseCapabilities } from "@/lib/libvirt/capabilities-parse";
import { parseDomainXml } from "@/lib/libvirt/domain-xml-parse";
import { preflightEvaluate, type PreflightFacts } from "./preflight";
import { migrateArgs } from "@/lib/virt/migration";

// Fixtures generated from the real libvirt (lib/libvirt/__fixtures__): host capabilities and a running
// TCG guest with one qcow2 disk.
const fx = (name: string) => readFileSync(path.join(import.meta.dirname, "../libvirt/__fixtures__", name), "utf8");
const caps = parseCapabilities(fx("capabilities.xml"));
const domain = parseDomainXml(fx("domain-running-live.xml"));
const DISK = "/var/lib/libvirt/images/vdtest-fixture.qcow2";

function facts(over: Partial<PreflightFacts> = {}): PreflightFacts {
  return {
    sourceHost: { id: "h1", name: "host1", hostUuid: "u-1" },
    destHost: { id: "h3", name: "host3", hostUuid: "u-3" },
    destCaps: caps,
    domain,
    emulator: "/usr/bin/qemu-system-x86_64",
    state: "running",
    paths: [{ path: DISK, what: "disk vda", exists: true }],
    destNetworks: ["default"],
    destBridges: ["lo", "eth0"],
    destAvailableKiB: 4 * 1024 * 1024,
    destNames: [],
    destUuids: [],
    ...over,
  };
}
const status = (f: PreflightFacts) =>
  Object.fromEntries(preflightEvaluate(f).checks.map((c) => [c.id, c.status])) as Record<string, string>;

describe("preflightEvaluate", () => {
  it("passes a running TCG guest towards a capable host, skipping the CPU check with a reason", () => {
    const r = preflightEvaluate(facts());
    expect(r.ok).toBe(true);
    expect(r.mode).toBe("live");
    const cpu = r.checks.find((c) => c.id === "cpu")!;
    expect(cpu.status).toBe("skip");
    expect(cpu.reason).toMatch(/TCG/);
    expect(r.checks.filter((c) => c.status === "fail")).toEqual([]);
  });

  it("fails the destination check for the same host (by id or by libvirt's host UUID)", () => {
    expect(status(facts({ destHost: { id: "h1", name: "host1", hostUuid: "u-9" } })).destination).toBe("fail");
    expect(status(facts({ destHost: { id: "h3", name: "host3", hostUuid: "u-1" } })).destination).toBe("fail");
  });

  it("stops at an unreachable destination with the reason", () => {
    const r = preflightEvaluate(facts({ destCaps: null, reachableError: "connection refused" }));
    expect(r.ok).toBe(false);
    expect(r.checks.at(-1)).toEqual({
      id: "reachable",
      status: "fail",
      reason: "host3 does not answer: connection refused",
      reasonRef: { key: "reasons.unreachable", params: { host: "host3", error: "connection refused" } },
    });
  });

  it("gives every reason in English and as a key of the migration catalogue", () => {
    const nic = { type: "network", source: { network: "lab" } } as (typeof domain.interfaces)[number];
    const nets = ["lab", "lab2"].map((n) => ({ ...nic, source: { network: n } }));
    const r = preflightEvaluate(facts({ domain: { ...domain, interfaces: nets }, destAvailableKiB: 20_000 * 1024 }));
    for (const c of r.checks) {
      expect(c.reasonRef.key).toMatch(/^reasons\.\w+$/);
      expect(c.reason, c.id).not.toContain("reasons.");
    }
    const by = Object.fromEntries(r.checks.map((c) => [c.id, c.reason]));
    expect(by.networks).toBe("missing on host3: networks lab, lab2");
    expect(by.memory).toMatch(/ MiB needed, 20,000 MiB available$/);
  });

  it("fails each check whose fact is wrong, naming what is missing", () => {
    const r = preflightEvaluate(
      facts({
        paths: [{ path: DISK, what: "disk vda", exists: false }],
        destAvailableKiB: 1024,
        destNames: [domain.name],
        emulator: "/opt/qemu/bin/qemu-system-x86_64",
        domain: { ...domain, os: { ...domain.os, machine: "pc-q35-99.0" } },
      }),
    );
    expect(r.ok).toBe(false);
    const by = Object.fromEntries(r.checks.map((c) => [c.id, c]));
    expect(by.disks).toMatchObject({ status: "fail", reason: expect.stringContaining(DISK) });
    expect(by.memory.status).toBe("fail");
    expect(by.clash).toMatchObject({ status: "fail", reason: expect.stringContaining(domain.name) });
    expect(by.emulator.status).toBe("fail");
    expect(by.machine).toMatchObject({ status: "fail", reason: expect.stringContaining("pc-q35-99.0") });
  });

  it("checks networks and bridges, a KVM guest on a TCG-only host, and the CPU comparison", () => {
    const nic = { type: "network", source: { network: "lab" } } as (typeof domain.interfaces)[number];
    const br = { type: "bridge", source: { bridge: "br9" } } as (typeof domain.interfaces)[number];
    const withNics = { ...domain, interfaces: [nic, br] };
    const r = preflightEvaluate(facts({ domain: withNics }));
    expect(r.checks.find((c) => c.id === "networks")?.reason).toBe("missing on host3: network lab, bridge br9");
    expect(status(facts({ domain: withNics, destNetworks: ["lab"], destBridges: ["br9"] })).networks).toBe("pass");
    const kvmOnly = { ...caps, guests: caps.guests.map((g) => ({ ...g, domainTypes: ["qemu"] })) };
    expect(status(facts({ domain: { ...domain, type: "kvm" }, destCaps: kvmOnly })).emulator).toBe("fail");
    const kvm = { ...domain, type: "kvm" };
    expect(status(facts({ domain: kvm, cpuCompare: { ok: false, text: "incompatible" } })).cpu).toBe("fail");
    expect(status(facts({ domain: kvm, cpuCompare: { ok: true, text: "identical" } })).cpu).toBe("pass");
  });

  it("treats a shut-off guest as offline: memory is not needed now", () => {
    const r = preflightEvaluate(facts({ state: "shut off", destAvailableKiB: 0 }));
    expect(r.mode).toBe("offline");
    expect(r.ok).toBe(true);
    expect(r.checks.find((c) => c.id === "memory")?.status).toBe("skip");
  });
});

describe("migrateArgs", () => {
  const uuid = "6b0c1c6e-1111-4a4a-9b9b-000000000001";
  const uri = "qemu+unix:///system?socket=/run/virtdeck-migrate-0123456789abcdef.sock";
  it("tunnels a live migration over the relayed libvirt connection", () => {
    expect(
      migrateArgs(uuid, uri, {
        mode: "live",
        persistent: true,
        undefineSource: true,
        autoConverge: true,
        bandwidthMiB: 50,
      }),
    ).toEqual([
      { domain: uuid },
      { arg: uri },
      { flag: "--p2p" },
      { flag: "--live" },
      { flag: "--tunnelled" },
      { flag: "--persistent" },
      { flag: "--auto-converge" },
      { option: "--bandwidth", value: "50" },
      { flag: "--undefinesource" },
    ]);
  });
  it("moves only the definition of a shut-off guest, without --tunnelled (libvirt refuses it offline)", () => {
    const args = migrateArgs(uuid, uri, { mode: "offline", persistent: false, undefineSource: false });
    expect(args).toEqual([
      { domain: uuid },
      { arg: uri },
      { flag: "--p2p" },
      { flag: "--offline" },
      { flag: "--persistent" },
    ]);
  });
});
