import "server-only";
import { VM_STATES, type VmState } from "@/lib/contracts/fleet";

/**
 * libvirt's virDomainState, by name (https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainState).
 * The list lives in lib/contracts (the browser filters by it); this is the one server-side home of
 * the states' meaning: conversions from virsh output and the predicates below.
 */
export { VM_STATES, type VmState };

// Index = virDomainState value (domstats state.state, virDomainGetState).
const BY_NUMBER: readonly VmState[] = [
  "nostate",
  "running",
  "blocked",
  "paused",
  "shutdown",
  "shutoff",
  "crashed",
  "pmsuspended",
];

/** From `domstats` state.state; unknown values (newer libvirt) read as "nostate". */
export function vmStateFromNumber(n: number): VmState {
  return (Number.isInteger(n) && BY_NUMBER[n]) || "nostate";
}

// What virsh prints (virshDomainStateToString in tools/virsh-domain-monitor.c), with LC_ALL=C.
const BY_TEXT: Record<string, VmState> = {
  "no state": "nostate",
  running: "running",
  idle: "blocked",
  paused: "paused",
  "in shutdown": "shutdown",
  "shut off": "shutoff",
  crashed: "crashed",
  pmsuspended: "pmsuspended",
};

/** From `virsh domstate` (with or without --reason, e.g. "running (booted)") or dominfo's State. */
export function vmStateFromText(s: string): VmState {
  const state = s.trim().replace(/\s*\(.*\)$/, "");
  return BY_TEXT[state] ?? "nostate";
}

/** A QEMU process exists for the domain (every state but shut off; "no state" is unknown). */
export function isActive(state: VmState): boolean {
  return state !== "shutoff" && state !== "nostate";
}

/*
 * What libvirt's QEMU driver accepts in each state (src/qemu/qemu_driver.c):
 * - create (start) needs an inactive domain. A "crashed" domain was preserved (on_crash=preserve)
 *   and is still active: destroy it first.
 * - shutdown and reboot (ACPI or agent) require VIR_DOMAIN_RUNNING exactly ("domain is not running").
 *   "blocked" is the same as running for drivers that report it (QEMU never does).
 * - destroy and reset work on any active domain.
 * - suspend refuses pmsuspended; resume needs paused (pmsuspended needs dompmwakeup instead).
 * - managedsave saves a running or paused guest and restores it in the same state.
 */
export const canStart = (state: VmState) => state === "shutoff";
export const canShutdown = (state: VmState) => state === "running" || state === "blocked";
export const canReboot = canShutdown;
export const canForceOff = isActive;
export const canReset = isActive;
export const canPause = (state: VmState) => state === "running" || state === "blocked";
export const canResume = (state: VmState) => state === "paused";
export const canManagedSave = (state: VmState) => state === "running" || state === "blocked" || state === "paused";
