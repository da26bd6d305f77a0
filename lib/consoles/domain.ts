import "server-only";
import { AppError } from "@/lib/http/errors";
import { CommandFailedError } from "@/lib/hosts/errors";
import { virshCommand } from "@/lib/hosts/virsh-command";
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
