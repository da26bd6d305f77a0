import { describe, expect, it } from "vitest";
import { UnsafeArgumentError } from "./errors";
import {
  isStreamingVirshCommand,
  isVirshCommand,
  VIRSH_COMMANDS,
  virshArgv,
  virshCommand,
  type VirshCommandInput,
} from "./virsh-command";

const UUID = "6D1F0C52-3B8E-4D0A-9A57-1C2F5E7A0B01";
const uuid = UUID.toLowerCase();

describe("virshArgv", () => {
  it("puts the environment, -q and -c URI before the subcommand", () => {
    expect(
      virshArgv({ uri: "qemu:///system", command: "dumpxml", args: [{ domain: UUID }, { flag: "--inactive" }] }),
    ).toEqual(["env", "LC_ALL=C.UTF-8", "virsh", "-q", "-c", "qemu:///system", "dumpxml", uuid, "--inactive"]);
    expect(
      virshArgv({ uri: "qemu:///session", command: "list", args: [{ flag: "--all" }, { flag: "--uuid" }] }),
    ).toEqual(["env", "LC_ALL=C.UTF-8", "virsh", "-q", "-c", "qemu:///session", "list", "--all", "--uuid"]);
  });

  it.each([
    "",
    "system",
    "-c qemu:///system",
    "qemu:///system sh",
    "qemu:///sys'tem",
    "qemu:///$(id)",
    "qemu:///é",
    // A transport or a query makes virsh run a program or reach another machine.
    "qemu+ext:///system?command=/bin/touch",
    "qemu+ssh://root@10.0.0.1/system",
    "qemu+tcp://10.0.0.1/system",
    "qemu:///system?socket=/tmp/evil.sock",
    "qemu:///system/",
    "QEMU:///system",
    "xen:///system",
    "test:///default",
  ])("refuses URI %j", (uri) => {
    expect(() => virshArgv({ uri, command: "uri" })).toThrow(UnsafeArgumentError);
  });
});

describe("virshCommand", () => {
  const ok: [VirshCommandInput, string[]][] = [
    [{ command: "version", args: [{ flag: "--daemon" }] }, ["version", "--daemon"]],
    [{ command: "domstats", args: [{ flag: "--raw" }] }, ["domstats", "--raw"]],
    [
      { command: "domstats", args: [{ flag: "--raw" }, { domain: UUID }, { domain: UUID }] },
      ["domstats", "--raw", uuid, uuid],
    ],
    [
      { command: "shutdown", args: [{ domain: UUID }, { option: "--mode", value: "acpi" }] },
      ["shutdown", uuid, "--mode", "acpi"],
    ],
    [{ command: "define", args: [{ arg: "/tmp/it's a file.xml" }] }, ["define", "/tmp/it's a file.xml"]],
    [
      { command: "vol-dumpxml", args: [{ arg: "disk.qcow2" }, { option: "--pool", value: "default" }] },
      ["vol-dumpxml", "disk.qcow2", "--pool", "default"],
    ],
    [
      { command: "domcapabilities", args: [{ option: "--virttype", value: "kvm" }] },
      ["domcapabilities", "--virttype", "kvm"],
    ],
    [
      { command: "screenshot", args: [{ domain: UUID }, { arg: "/tmp/s.png" }, { option: "--screen", value: "0" }] },
      ["screenshot", uuid, "/tmp/s.png", "--screen", "0"],
    ],
  ];
  it.each(ok)("builds %j", (input, argv) => {
    expect([...virshCommand(input)]).toEqual(argv);
  });

  const refused: [string, unknown, RegExp][] = [
    [
      "a command off the allow-list",
      { command: "qemu-monitor-command", args: [{ domain: UUID }, { arg: "info" }] },
      /not allowed/,
    ],
    ["qemu-agent-command", { command: "qemu-agent-command" }, /not allowed/],
    ["a shell command", { command: "!sh" }, /not allowed/],
    ["a prototype key", { command: "constructor" }, /not allowed/],
    ["a domain name instead of a UUID", { command: "dumpxml", args: [{ domain: "vdtest-1" }] }, /UUID/],
    ["a UUID with junk", { command: "dumpxml", args: [{ domain: `${UUID} --inactive` }] }, /UUID/],
    [
      "a positional starting with '-'",
      { command: "net-dumpxml", args: [{ arg: "--help" }] },
      /must not start with '-'/,
    ],
    [
      "an option value starting with '-'",
      { command: "vol-dumpxml", args: [{ arg: "v" }, { option: "--pool", value: "-x" }] },
      /must not start/,
    ],
    ["an empty positional", { command: "net-dumpxml", args: [{ arg: "" }] }, /empty/],
    ["a NUL byte", { command: "net-dumpxml", args: [{ arg: "a\0b" }] }, /NUL/],
    [
      "a flag the command does not take",
      { command: "dumpxml", args: [{ domain: UUID }, { flag: "--all" }] },
      /does not allow --all/,
    ],
    [
      "an undefine storage flag",
      { command: "undefine", args: [{ domain: UUID }, { flag: "--remove-all-storage" }] },
      /does not allow/,
    ],
    ["a flag with a value smuggled in", { command: "list", args: [{ flag: "--all=1" }] }, /not a flag/],
    ["a flag that is not a flag", { command: "list", args: [{ flag: "all" }] }, /not a flag/],
    ["a missing domain", { command: "start" }, /takes 1 domain/],
    ["two domains", { command: "start", args: [{ domain: UUID }, { domain: UUID }] }, /takes 1 domain/],
    ["a domain where none is taken", { command: "nodeinfo", args: [{ domain: UUID }] }, /takes 0 domain/],
    ["a missing positional", { command: "net-dumpxml" }, /takes 1 positional/],
    ["unknown arg shapes", { command: "list", args: [{ raw: "--all" }] }, /Invalid virsh command/],
    ["extra keys", { command: "list", args: [{ flag: "--all", value: "x" }] }, /Invalid virsh command/],
  ];
  it.each(refused)("refuses %s", (_name, input, message) => {
    expect(() => virshCommand(input as VirshCommandInput)).toThrow(UnsafeArgumentError);
    expect(() => virshCommand(input as VirshCommandInput)).toThrow(message);
  });

  it("allow-lists exactly the commands virtdeck uses", () => {
    expect(VIRSH_COMMANDS).toContain("dumpxml");
    expect(VIRSH_COMMANDS).not.toContain("qemu-monitor-command");
    expect(isVirshCommand("toString")).toBe(false);
    expect(isStreamingVirshCommand("console")).toBe(true);
    expect(isStreamingVirshCommand("event")).toBe(true);
    expect(isStreamingVirshCommand("dumpxml")).toBe(false);
  });
});

describe("domifaddr (guest addresses)", () => {
  const uuid = "5f1c8f36-61f4-4a43-9a0d-3f3b8f7d2c11";
  it("takes one domain and a --source", () => {
    expect(
      virshCommand({ command: "domifaddr", args: [{ domain: uuid }, { option: "--source", value: "lease" }] }),
    ).toEqual(["domifaddr", uuid, "--source", "lease"]);
  });
  it("refuses other options, a value virsh would read as an option, and a second domain", () => {
    for (const args of [
      [{ domain: uuid }, { option: "--timeout", value: "1" }],
      [{ domain: uuid }, { option: "--source", value: "-x" }],
      [{ domain: uuid }, { domain: uuid }],
      [{ domain: uuid }, { flag: "--agent" }],
    ]) {
      expect(() => virshCommand({ command: "domifaddr", args } as VirshCommandInput)).toThrow(UnsafeArgumentError);
    }
  });
});
