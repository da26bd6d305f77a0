import "server-only";
import type { VirshCommandName } from "./virsh-command";

/**
 * How the host client treats each virsh verb (one table, checked complete by the compiler):
 *
 * - `read`: idempotent, no effect on the host; pipelined on the host's virsh session and retried
 *   once when the session died under it (the client reconnects first).
 * - `mutation`: changes something; on the session, never replayed (it may have taken effect).
 * - `slow`: a mutation that may take seconds to minutes (guest RAM saved or restored, volume copies,
 *   `destroy`: libvirt waits for QEMU to exit, up to ~10 s before SIGKILL): run as its own one-shot
 *   exec with a long timeout, so it holds up neither the session's reads nor other slow verbs (the
 *   transport caps concurrent execs per connection, ssh-transport.ts `maxConcurrentRuns`).
 * - `stream`: long-lived or interactive (event, console): its own channel, never the session.
 */
export type VerbKind = "read" | "mutation" | "slow" | "stream";

export const VIRSH_VERB_KIND = {
  version: "read",
  capabilities: "read",
  domcapabilities: "read",
  nodeinfo: "read",
  nodememstats: "read",
  hostname: "read",
  sysinfo: "read",
  uri: "read",
  list: "read",
  domstats: "read",
  dumpxml: "read",
  domstate: "read",
  dominfo: "read",
  domdisplay: "read",
  vncdisplay: "read",
  domifaddr: "read",
  screenshot: "read",
  "net-list": "read",
  "net-dumpxml": "read",
  "net-info": "read",
  "net-dhcp-leases": "read",
  "iface-list": "read",
  "pool-list": "read",
  "pool-dumpxml": "read",
  "pool-info": "read",
  "vol-list": "read",
  "vol-dumpxml": "read",
  "vol-info": "read",
  "vol-path": "read",
  "vol-pool": "read",
  "snapshot-list": "read",
  "snapshot-dumpxml": "read",
  "snapshot-current": "read",
  "checkpoint-list": "read",
  "checkpoint-dumpxml": "read",
  "backup-dumpxml": "read",
  domjobinfo: "read",
  "backup-begin": "mutation",
  domjobabort: "mutation",
  "checkpoint-delete": "mutation",
  blockjob: "read",
  start: "slow",
  destroy: "slow",
  managedsave: "slow",
  "vol-create-from": "slow",
  "vol-clone": "slow",
  "vol-upload": "slow",
  // mkfs, vgcreate, an NFS mount or an iSCSI login: seconds, not milliseconds.
  "pool-build": "slow",
  "pool-start": "slow",
  "pool-delete": "slow",
  "snapshot-create": "slow",
  "snapshot-revert": "slow",
  "snapshot-delete": "slow",
  shutdown: "mutation",
  reboot: "mutation",
  reset: "mutation",
  suspend: "mutation",
  resume: "mutation",
  "managedsave-remove": "mutation",
  autostart: "mutation",
  define: "mutation",
  undefine: "mutation",
  desc: "mutation",
  "vol-create-as": "mutation",
  "vol-resize": "mutation",
  "vol-delete": "mutation",
  "pool-refresh": "mutation",
  "pool-define": "mutation",
  "pool-destroy": "mutation",
  "pool-autostart": "mutation",
  "pool-undefine": "mutation",
  "net-define": "mutation",
  "net-start": "mutation",
  "net-destroy": "mutation",
  "net-undefine": "mutation",
  "net-autostart": "mutation",
  "net-update": "mutation",
  setvcpus: "mutation",
  setmem: "mutation",
  setmaxmem: "mutation",
  "attach-device": "mutation",
  "detach-device": "mutation",
  "update-device": "mutation",
  blockresize: "mutation",
  "hypervisor-cpu-compare": "read",
  migrate: "slow",
  event: "stream",
  console: "stream",
  "vol-download": "stream",
} as const satisfies Record<VirshCommandName, VerbKind>;

export function virshVerbKind(verb: VirshCommandName): VerbKind {
  return VIRSH_VERB_KIND[verb];
}

/** True when every command is an idempotent read (so the whole batch may be replayed once). */
export function virshAllReads(verbs: readonly string[]): boolean {
  return verbs.every((v) => Object.hasOwn(VIRSH_VERB_KIND, v) && VIRSH_VERB_KIND[v as VirshCommandName] === "read");
}
