import "server-only";
import { randomBytes } from "node:crypto";
import { AppError } from "@/lib/http/errors";
import { runChecked } from "@/lib/hosts/transport";
import { CommandFailedError } from "@/lib/hosts/errors";
import { virshArgv, virshCommand } from "@/lib/hosts/virsh-command";
import { graphicsPasswordXml } from "@/lib/libvirt/graphics-password";
import { assertVirshOk } from "@/lib/hosts/virsh-session";
import { parseDomainXml, type DomainWire } from "@/lib/libvirt/domain-xml-parse";
import { vmStateFromText, type VmState } from "@/lib/libvirt/vm-state";
import type { HostView } from "@/lib/fleet/hosts";
import { fleet, fleetHostFailure } from "@/lib/fleet/runtime";

export interface ConsoleDomain {
  state: VmState;
  /** Live XML (inactive XML for a stopped VM), as libvirt reports it now. */
  xml: string;
  wire: DomainWire;
}

/**
 * One VM's state and live XML, read now from the host's virsh session in one
 * pipelined batch (`domstate` + `dumpxml` of that UUID): what a console needs,
 * without refreshing the host's whole inventory.
 */
export async function consoleDomainRead(host: HostView, uuid: string): Promise<ConsoleDomain> {
  const cmds = [
    virshCommand({ command: "domstate", args: [{ domain: uuid }] }),
    virshCommand({ command: "dumpxml", args: [{ domain: uuid }] }),
  ];
  try {
    const [state, xml] = await fleet().sessions.get(host.id, host.libvirtUri).batch(cmds);
    assertVirshOk(cmds[0], state);
    assertVirshOk(cmds[1], xml);
    return { state: vmStateFromText(state.stdout), xml: xml.stdout, wire: parseDomainXml(xml.stdout) };
  } catch (err) {
    if (err instanceof CommandFailedError && /failed to get domain|Domain not found/i.test(err.stderr)) {
      throw new AppError("not_found", "VM not found");
    }
    throw await fleetHostFailure(host.id, host.name, err);
  }
}

/** The VM's state now (one `domstate` through the virsh session); null when it cannot be read. */
export async function consoleDomainState(host: HostView, uuid: string): Promise<VmState | null> {
  try {
    const cmd = virshCommand({ command: "domstate", args: [{ domain: uuid }] });
    const r = await fleet().sessions.get(host.id, host.libvirtUri).run(cmd);
    return r.ok ? vmStateFromText(r.stdout) : null;
  } catch {
    return null;
  }
}

/**
 * Sets a fresh random password on the running VM's VNC or SPICE display, valid for `validMs`
 * (`virsh update-device --live` with the live <graphics> element plus passwd/passwdValidTo; the
 * XML goes through stdin, so the password is never on a command line). Viewers already connected
 * stay connected. VNC authentication uses at most 8 characters; SPICE gets 20.
 */
export async function consolePasswordSet(host: HostView, uuid: string, liveXml: string, type: "vnc" | "spice", validMs: number): Promise<string | undefined> {
  const password = randomBytes(15).toString("base64url").slice(0, type === "vnc" ? 8 : 20);
  const xml = graphicsPasswordXml(liveXml, { type, password, validTo: new Date(Date.now() + validMs) });
  const argv = virshArgv({ uri: host.libvirtUri, command: "update-device", args: [{ domain: uuid }, { arg: "/dev/stdin" }, { flag: "--live" }] });
  try {
    await runChecked(await fleet().pool.get(host.id), argv, { stdin: xml, timeoutMs: 20_000 });
  } catch (err) {
    // QEMU takes passwords only on a display started with password auth (libvirt starts one without
    // a passwd with SPICE disable-ticketing / VNC auth none); such a display stays password-less,
    // reachable all the same only through virtdeck (host loopback, ticket-checked tunnel).
    if (err instanceof CommandFailedError && PASSWORDLESS_DISPLAY.test(err.stderr)) return undefined;
    throw await fleetHostFailure(host.id, host.name, err);
  }
  return password;
}

// QEMU's answers to set_password on a display without password auth (ui/spice-core.c, ui/vnc.c).
const PASSWORDLESS_DISPLAY = /Could not set password|password auth(entication)? is disabled|enable password auth/i;
