import "server-only";
import { randomBytes } from "node:crypto";
import { AppError } from "@/lib/http/errors";
import { virshMessage } from "@/lib/hosts/client-errors";
import { graphicsPasswordXml } from "@/lib/libvirt/graphics-password";
import { DOMAIN_NOT_FOUND, domainDeviceUpdateLiveTry, domainStateAndXmlTry, domainStateGet } from "@/lib/virt/domain";
import { parseDomainXml, type DomainWire } from "@/lib/libvirt/domain-xml-parse";
import { vmStateFromText, type VmState } from "@/lib/libvirt/vm-state";
import type { HostView } from "@/lib/fleet/hosts";
import { hostClientFor } from "@/lib/fleet/runtime";

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
  const { state, xml } = await domainStateAndXmlTry({
    host: hostClientFor(host, { commandErrorCode: "host_error" }),
    uuid,
  });
  for (const r of [state, xml]) {
    if (r.ok) continue;
    if (DOMAIN_NOT_FOUND.test(r.stderr)) throw new AppError("not_found", "VM not found");
    throw new AppError("host_error", `${host.name}: ${virshMessage(r.stderr)}`);
  }
  return { state: vmStateFromText(state.stdout), xml: xml.stdout, wire: parseDomainXml(xml.stdout) };
}

/** The VM's state now (one `domstate` through the virsh session); null when it cannot be read. */
export async function consoleDomainState(host: HostView, uuid: string): Promise<VmState | null> {
  try {
    return await domainStateGet({ host: hostClientFor(host), uuid });
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
export async function consolePasswordSet(
  host: HostView,
  uuid: string,
  liveXml: string,
  type: "vnc" | "spice",
  validMs: number,
): Promise<string | undefined> {
  const password = randomBytes(15)
    .toString("base64url")
    .slice(0, type === "vnc" ? 8 : 20);
  const xml = graphicsPasswordXml(liveXml, { type, password, validTo: new Date(Date.now() + validMs) });
  const r = await domainDeviceUpdateLiveTry({
    host: hostClientFor(host, { commandErrorCode: "host_error" }),
    uuid,
    xml,
  });
  if (r.ok) return password;
  // QEMU takes passwords only on a display started with password auth (libvirt starts one without
  // a passwd with SPICE disable-ticketing / VNC auth none); such a display stays password-less,
  // reachable all the same only through virtdeck (host loopback, ticket-checked tunnel).
  if (PASSWORDLESS_DISPLAY.test(r.stderr)) return undefined;
  throw new AppError("host_error", `${host.name}: ${virshMessage(r.stderr)}`);
}

// QEMU's answers to set_password on a display without password auth (ui/spice-core.c, ui/vnc.c).
const PASSWORDLESS_DISPLAY = /Could not set password|password auth(entication)? is disabled|enable password auth/i;
