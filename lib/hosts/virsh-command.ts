import "server-only";
import { z } from "zod";
import { DomainUuidSchema, LibvirtUriSchema } from "@/lib/contracts/libvirt";
import { UnsafeArgumentError } from "./errors";

/**
 * The virsh subcommands virtdeck may run, with the flags and options each accepts.
 *
 * `domains`: how many domain references (always UUIDs) the command takes.
 * `args`: how many other positional values (network/pool/volume names, remote file paths).
 * `flags`: boolean options. `options`: options that take one value.
 * `streaming`: long-running or interactive; needs its own channel, never a shared virsh session.
 *
 * Deliberately absent: qemu-monitor-command, qemu-agent-command and everything else that would
 * reach past libvirt's API; undefine's storage-removal flags (add them with the feature that
 * needs them).
 */
interface CommandSpec {
  domains?: { min: number; max: number };
  args?: { min: number; max: number };
  flags?: readonly string[];
  options?: readonly string[];
  streaming?: boolean;
}

const ONE = { min: 1, max: 1 } as const;
const LIST_FILTERS = [
  "--all",
  "--inactive",
  "--persistent",
  "--transient",
  "--autostart",
  "--no-autostart",
  "--uuid",
  "--name",
  "--table",
] as const;

const SPECS = {
  version: { flags: ["--daemon"] },
  capabilities: {},
  domcapabilities: { options: ["--virttype", "--emulatorbin", "--arch", "--machine"] },
  nodeinfo: {},
  nodememstats: {},
  hostname: {},
  sysinfo: {},
  uri: {},
  list: {
    flags: [
      ...LIST_FILTERS,
      "--with-snapshot",
      "--without-snapshot",
      "--with-checkpoint",
      "--without-checkpoint",
      "--state-running",
      "--state-paused",
      "--state-shutoff",
      "--state-other",
      "--managed-save",
      "--with-managed-save",
      "--without-managed-save",
      "--title",
      "--name",
    ],
  },
  domstats: {
    domains: { min: 0, max: Number.POSITIVE_INFINITY },
    flags: [
      "--raw",
      "--enforce",
      "--backing",
      "--nowait",
      "--state",
      "--cpu-total",
      "--balloon",
      "--vcpu",
      "--interface",
      "--block",
      "--perf",
      "--iothread",
      "--memory",
      "--dirtyrate",
      "--list-active",
      "--list-inactive",
      "--list-persistent",
      "--list-transient",
      "--list-running",
      "--list-paused",
      "--list-shutoff",
      "--list-other",
    ],
  },
  dumpxml: {
    domains: ONE,
    flags: ["--inactive", "--security-info", "--update-cpu", "--migratable"],
  },
  domstate: { domains: ONE, flags: ["--reason"] },
  dominfo: { domains: ONE },
  start: {
    domains: ONE,
    flags: ["--paused", "--autodestroy", "--bypass-cache", "--force-boot", "--reset-nvram"],
  },
  shutdown: { domains: ONE, options: ["--mode"] },
  reboot: { domains: ONE, options: ["--mode"] },
  destroy: { domains: ONE, flags: ["--graceful", "--remove-logs"] },
  reset: { domains: ONE },
  suspend: { domains: ONE },
  resume: { domains: ONE },
  managedsave: {
    domains: ONE,
    flags: ["--bypass-cache", "--running", "--paused", "--verbose"],
  },
  "managedsave-remove": { domains: ONE },
  autostart: { domains: ONE, flags: ["--disable"] },
  define: { args: ONE, flags: ["--validate"] },
  undefine: {
    domains: ONE,
    flags: [
      "--managed-save",
      "--snapshots-metadata",
      "--checkpoints-metadata",
      "--nvram",
      "--keep-nvram",
      "--tpm",
      "--keep-tpm",
    ],
  },
  event: {
    domains: { min: 0, max: 1 },
    flags: ["--all", "--loop", "--timestamp", "--list"],
    options: ["--event", "--timeout"],
    streaming: true,
  },
  console: { domains: ONE, flags: ["--force", "--safe"], options: ["--devname"], streaming: true },
  screenshot: { domains: ONE, args: { min: 0, max: 1 }, options: ["--screen"] },
  domdisplay: { domains: ONE, flags: ["--include-password", "--all"], options: ["--type"] },
  vncdisplay: { domains: ONE },
  // Guest addresses: from the network's DHCP leases, the guest agent, or the host's ARP table.
  domifaddr: { domains: ONE, flags: ["--full"], options: ["--source", "--interface"] },
  "net-list": { flags: LIST_FILTERS },
  // Snapshots and checkpoints: read-only for now (list, XML, current).
  "snapshot-list": {
    domains: ONE,
    flags: [
      "--name",
      "--tree",
      "--roots",
      "--leaves",
      "--current",
      "--topological",
      "--internal",
      "--external",
      "--inactive",
      "--active",
      "--disk-only",
    ],
  },
  "snapshot-dumpxml": { domains: ONE, args: ONE, flags: ["--security-info"] },
  "snapshot-current": { domains: ONE, flags: ["--name"] },
  // Snapshot changes (lib/virt/snapshot.ts): the XML comes on stdin (snapshot-create /dev/stdin).
  // Left out: --no-metadata, --halt, --reuse-external, --live (create), --force (revert: libvirt asks for
  // it when a revert would lose state; virtdeck surfaces that refusal instead).
  "snapshot-create": {
    domains: ONE,
    args: ONE,
    flags: ["--redefine", "--current", "--disk-only", "--quiesce", "--atomic", "--validate"],
  },
  "snapshot-revert": { domains: ONE, args: ONE, flags: ["--running", "--paused"] },
  "snapshot-delete": { domains: ONE, args: ONE, flags: ["--children", "--metadata"] },
  // Progress of the block commit an external snapshot's deletion runs.
  blockjob: { domains: ONE, args: ONE, flags: ["--info", "--raw"] },
  "checkpoint-list": { domains: ONE, flags: ["--name", "--tree", "--roots", "--leaves", "--topological"] },
  "checkpoint-dumpxml": { domains: ONE, args: ONE, flags: ["--security-info", "--no-domain", "--size"] },
  // Backups (lib/virt/backup.ts, lib/virt/checkpoint.ts): backup-begin reads its backup and
  // checkpoint XML from files the backup wrote on the host; the job runs in the background.
  "backup-begin": { domains: ONE, args: { min: 1, max: 2 }, flags: ["--reuse-external"] },
  "backup-dumpxml": { domains: ONE },
  domjobinfo: { domains: ONE, flags: ["--completed", "--keep-completed", "--rawstats", "--anystats"] },
  domjobabort: { domains: ONE },
  "checkpoint-delete": { domains: ONE, args: ONE, flags: ["--children", "--children-only", "--metadata"] },
  "net-dumpxml": { args: ONE, flags: ["--inactive"] },
  // Virtual networks (lib/virt/network.ts): XML comes on stdin (net-define /dev/stdin).
  "net-info": { args: ONE },
  "net-define": { args: ONE, flags: ["--validate"] },
  "net-start": { args: ONE },
  "net-destroy": { args: ONE },
  "net-undefine": { args: ONE },
  "net-autostart": { args: ONE, flags: ["--disable"] },
  "net-dhcp-leases": { args: ONE, options: ["--mac"] },
  // A static DHCP host entry (MAC -> IP) for a new VM: `net-update NET add|delete ip-dhcp-host /dev/stdin`.
  "net-update": { args: { min: 4, max: 4 }, flags: ["--live", "--config"], options: ["--parent-index"] },
  // Host interfaces (bridges, NICs) a bridged or macvtap network attaches to.
  "iface-list": { flags: ["--all", "--inactive"] },
  "pool-list": { flags: [...LIST_FILTERS, "--details"], options: ["--type"] },
  "pool-dumpxml": { args: ONE, flags: ["--inactive"] },
  "vol-list": { args: ONE, flags: ["--details"] },
  "vol-dumpxml": { args: ONE, options: ["--pool"] },
  // Provisioning: volumes for new VMs (linked/full clones, seed ISOs) and hardware edits.
  "vol-create-as": {
    args: { min: 3, max: 3 },
    flags: ["--prealloc-metadata"],
    options: ["--allocation", "--format", "--backing-vol", "--backing-vol-format"],
  },
  "vol-create-from": {
    args: { min: 3, max: 3 },
    flags: ["--prealloc-metadata", "--reflink"],
    options: ["--inputpool"],
  },
  "vol-clone": { args: { min: 2, max: 2 }, flags: ["--prealloc-metadata", "--reflink"], options: ["--pool"] },
  "vol-resize": { args: { min: 2, max: 2 }, flags: ["--allocate", "--shrink"], options: ["--pool"] },
  "vol-info": { args: ONE, flags: ["--bytes", "--physical"], options: ["--pool"] },
  "vol-path": { args: ONE, options: ["--pool"] },
  "vol-pool": { args: ONE, flags: ["--uuid"] },
  "vol-upload": { args: { min: 2, max: 2 }, flags: ["--sparse"], options: ["--pool", "--offset", "--length"] },
  "vol-download": {
    args: { min: 2, max: 2 },
    flags: ["--sparse"],
    options: ["--pool", "--offset", "--length"],
    streaming: true,
  },
  "vol-delete": { args: ONE, options: ["--pool"] },
  "pool-refresh": { args: ONE },
  // Pool management (lib/virt/storage-pool.ts): XML comes on stdin (pool-define /dev/stdin).
  "pool-define": { args: ONE, flags: ["--validate"] },
  "pool-build": { args: ONE, flags: ["--overwrite", "--no-overwrite"] },
  "pool-start": { args: ONE },
  "pool-destroy": { args: ONE },
  "pool-autostart": { args: ONE, flags: ["--disable"] },
  "pool-undefine": { args: ONE },
  "pool-delete": { args: ONE },
  "pool-info": { args: ONE, flags: ["--bytes"] },
  setvcpus: { domains: ONE, args: ONE, flags: ["--maximum", "--config", "--live", "--current"] },
  setmem: { domains: ONE, args: ONE, flags: ["--config", "--live", "--current"] },
  setmaxmem: { domains: ONE, args: ONE, flags: ["--config", "--live", "--current"] },
  "attach-device": { domains: ONE, args: ONE, flags: ["--persistent", "--config", "--live", "--current"] },
  "detach-device": { domains: ONE, args: ONE, flags: ["--persistent", "--config", "--live", "--current"] },
  "update-device": { domains: ONE, args: ONE, flags: ["--persistent", "--config", "--live", "--current", "--force"] },
  blockresize: { domains: ONE, args: { min: 2, max: 2 } },
  desc: { domains: ONE, flags: ["--live", "--config", "--current", "--title"], options: ["--new-desc"] },
  // Migration (lib/migration): the destination URI is the relay socket's qemu+unix URI, never a host's address.
  migrate: {
    domains: ONE,
    args: ONE,
    flags: [
      "--live",
      "--offline",
      "--p2p",
      "--tunnelled",
      "--persistent",
      "--undefinesource",
      "--suspend",
      "--auto-converge",
      "--postcopy",
      "--postcopy-after-precopy",
      "--abort-on-error",
      "--verbose",
    ],
    options: ["--bandwidth", "--dname"],
  },
  "hypervisor-cpu-compare": {
    args: ONE,
    flags: ["--error", "--validate"],
    options: ["--virttype", "--emulator", "--arch", "--machine"],
  },
} as const satisfies Record<string, CommandSpec>;

export type VirshCommandName = keyof typeof SPECS;
export const VIRSH_COMMANDS = Object.keys(SPECS) as VirshCommandName[];

export function isVirshCommand(name: string): name is VirshCommandName {
  return Object.hasOwn(SPECS, name);
}

/** Long-running or interactive commands (console, event): own channel, never a shared session. */
export function isStreamingVirshCommand(name: string): boolean {
  return isVirshCommand(name) && (SPECS[name] as CommandSpec).streaming === true;
}

/** A positional value virsh must not read as an option, and that quoting can carry. */
const PositionalSchema = z
  .string()
  .min(1, "must not be empty")
  .refine((s) => !s.startsWith("-"), "must not start with '-' (virsh would read it as an option)")
  .refine((s) => !s.includes("\0"), "must not contain NUL");

export const VirshArgSchema = z.union([
  z.object({ domain: DomainUuidSchema }).strict(),
  z.object({ arg: PositionalSchema }).strict(),
  z.object({ flag: z.string().regex(/^--[a-z][a-z0-9-]*$/, "not a flag") }).strict(),
  z
    .object({
      option: z.string().regex(/^--[a-z][a-z0-9-]*$/, "not an option"),
      value: PositionalSchema,
    })
    .strict(),
]);
export type VirshArg = z.input<typeof VirshArgSchema>;

export const VirshCommandSchema = z.object({
  command: z.string().refine(isVirshCommand, "virsh command not allowed"),
  args: z.array(VirshArgSchema).default([]),
});
export type VirshCommandInput = z.input<typeof VirshCommandSchema>;

/**
 * argv of one virsh subcommand without the program or connection: `["dumpxml", uuid, "--inactive"]`.
 * Branded so that a virsh session only ever receives argv that went through this guard.
 */
export type VirshCommandArgv = readonly string[] & { readonly __brand: "VirshCommandArgv" };

/** Validates against the allow-list and the command's spec; throws UnsafeArgumentError. */
export function virshCommand(input: VirshCommandInput): VirshCommandArgv {
  const parsed = VirshCommandSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UnsafeArgumentError(
      `Invalid virsh command${issue.path.length ? ` at ${issue.path.join(".")}` : ""}: ${issue.message}`,
    );
  }
  const command = parsed.data.command as VirshCommandName;
  const spec: CommandSpec = SPECS[command];
  const argv: string[] = [command];
  let domains = 0;
  let args = 0;
  for (const a of parsed.data.args) {
    if ("domain" in a) {
      domains++;
      argv.push(a.domain);
    } else if ("arg" in a) {
      args++;
      argv.push(a.arg);
    } else if ("flag" in a) {
      if (!spec.flags?.includes(a.flag)) {
        throw new UnsafeArgumentError(`virsh ${command} does not allow ${a.flag}`);
      }
      argv.push(a.flag);
    } else {
      if (!spec.options?.includes(a.option)) {
        throw new UnsafeArgumentError(`virsh ${command} does not allow ${a.option}`);
      }
      argv.push(a.option, a.value);
    }
  }
  const d = spec.domains ?? { min: 0, max: 0 };
  if (domains < d.min || domains > d.max) {
    throw new UnsafeArgumentError(
      `virsh ${command} takes ${d.min === d.max ? d.min : `${d.min}-${d.max}`} domain UUID(s), got ${domains}`,
    );
  }
  const p = spec.args ?? { min: 0, max: 0 };
  if (args < p.min || args > p.max) {
    throw new UnsafeArgumentError(
      `virsh ${command} takes ${p.min === p.max ? p.min : `${p.min}-${p.max}`} positional value(s), got ${args}`,
    );
  }
  return argv as readonly string[] as VirshCommandArgv;
}

/**
 * Environment for every remote virsh: C.UTF-8 keeps messages English ("error: ...") whatever the
 * host's locale, so output stays parseable, while unicode names survive.
 */
export const VIRSH_ENV = ["env", "LC_ALL=C.UTF-8"] as const;

/**
 * Full argv for a one-shot exec: `env LC_ALL=C.UTF-8 virsh -q -c URI <command> <args...>`.
 * -q because without it virsh appends a blank line after every command (vshCommandRun's
 * vshPrintExtra("\n")) and adds banners; with it one-shot output equals a virsh session's.
 */
export function virshArgv(input: VirshCommandInput & { uri: string }): string[] {
  return virshArgvFor(input.uri, virshCommand(input));
}

/** One-shot argv for an already validated subcommand. */
export function virshArgvFor(uri: string, command: VirshCommandArgv): string[] {
  const u = LibvirtUriSchema.safeParse(uri);
  if (!u.success) throw new UnsafeArgumentError(`Invalid libvirt URI: ${u.error.issues[0].message}`);
  return [...VIRSH_ENV, "virsh", "-q", "-c", u.data, ...command];
}
