import "server-only";
import type { Caller } from "@/lib/authz/caller";
import { PROBE_STEPS, type ProbeStep, type ProbeStepId } from "@/lib/contracts/fleet";
import net from "node:net";
import { auditBy } from "@/lib/audit/audit";
import { connectSsh } from "@/lib/hosts/ssh-transport";
import { AuthFailedError, HostKeyMismatchError, isHostError } from "@/lib/hosts/errors";
import type { HostTransport } from "@/lib/hosts/transport";
import { VIRSH_ENV, virshArgv } from "@/lib/hosts/virsh-command";
import { parseCapabilities, guestDomainTypes } from "@/lib/libvirt/capabilities-parse";
import { virshMessage } from "@/lib/hosts/client-errors";
import { hostConnectInfo, hostGet, type HostView } from "@/lib/fleet/hosts";
import { hostStatusSet } from "@/lib/fleet/host-status";
import { fleet, fleetForget } from "@/lib/fleet/runtime";
import { eventsUnwatch, eventsWatchHosts } from "@/lib/fleet/events";

export type { ProbeStep, ProbeStepId };

const ORDER = PROBE_STEPS;

function tcpCheck(host: string, port: number, timeoutMs = 5_000): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (err: string | null) => {
      socket.destroy();
      resolve(err);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs / 1000} s`));
    socket.once("connect", () => done(null));
    socket.once("error", (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}

type HostConnect = Awaited<ReturnType<typeof hostConnectInfo>>;
type ProbeStatus = "online" | "offline" | "unverified" | "key_mismatch";
type StepSet = (sid: ProbeStepId, ok: boolean, detail: string) => void;
interface ProbeOutcome {
  status: ProbeStatus;
  statusMessage: string;
  presented: string | undefined;
}

/**
 * The SSH, host key and libvirt steps, on a fresh connection closed afterwards. `presented`
 * is the key an unpinned host showed (or a mismatching one), for the operator to compare.
 */
async function probeSsh(host: HostConnect, steps: Map<ProbeStepId, ProbeStep>, set: StepSet): Promise<ProbeOutcome> {
  let presented: string | undefined;
  let transport: HostTransport | undefined;
  try {
    transport = await connectSsh({
      host: host.address,
      port: host.port,
      username: host.username,
      privateKey: host.privateKey,
      readyTimeoutMs: 8_000,
      ...(host.hostKeySha256
        ? { expectedHostKeySha256: host.hostKeySha256 }
        : { onHostKey: (fp: string) => void (presented = fp) }),
    });
    set("ssh", true, `Logged in as ${host.username}`);
    if (host.hostKeySha256) {
      set("hostkey", true, `Matches the pinned key ${host.hostKeySha256}`);
    } else {
      set(
        "hostkey",
        false,
        `Not confirmed yet: the host presented ${presented}. Compare it with the host's key and confirm it.`,
      );
    }
    await probeLibvirt(transport, host.libvirtUri, host.domainType, set);
    const allOk = ORDER.every((s) => steps.get(s)?.ok);
    return {
      status: host.hostKeySha256 ? (allOk ? "online" : "offline") : "unverified",
      statusMessage: allOk ? "" : ([...steps.values()].find((s) => s.ok === false)?.detail ?? ""),
      presented,
    };
  } catch (err) {
    return probeSshFailure(host, err, presented, steps, set);
  } finally {
    transport?.close();
  }
}

/** What a failed SSH connection says about the host: a mismatching key, a refused login, or no connection. */
function probeSshFailure(
  host: HostConnect,
  err: unknown,
  presented: string | undefined,
  steps: Map<ProbeStepId, ProbeStep>,
  set: StepSet,
): ProbeOutcome {
  if (err instanceof HostKeyMismatchError) {
    set("ssh", false, "Refused: the host key does not match the pinned key");
    set(
      "hostkey",
      false,
      `The host presented ${err.presentedFingerprint}, but ${err.expectedFingerprint} is pinned. Connections stay blocked until an operator accepts the new key.`,
    );
    return { status: "key_mismatch", statusMessage: err.message, presented: err.presentedFingerprint };
  }
  if (err instanceof AuthFailedError) {
    set(
      "ssh",
      false,
      `Authentication as ${host.username} failed: add the public key to ~/.ssh/authorized_keys on the host`,
    );
    if (presented) set("hostkey", false, `Not confirmed yet: the host presented ${presented}`);
    return {
      status: host.hostKeySha256 ? "offline" : "unverified",
      statusMessage: steps.get("ssh")!.detail,
      presented,
    };
  }
  set("ssh", false, isHostError(err) ? err.message : "SSH connection failed");
  return { status: "offline", statusMessage: steps.get("ssh")!.detail, presented };
}

/**
 * Records what the probe learned: the host's status, its pooled connection and events watcher
 * dropped unless online, the host event, and the audit row.
 */
async function probeRecord(
  caller: Caller,
  host: HostConnect,
  outcome: ProbeOutcome,
  result: ProbeStep[],
): Promise<void> {
  const { status, statusMessage, presented } = outcome;
  await hostStatusSet(host.id, status, statusMessage, { presentedHostKeySha256: presented, seen: status === "online" });
  // A healthy host keeps its pooled connection (and the events watcher on it); otherwise
  // drop them so the next use reconnects with what the probe just learned.
  if (status !== "online") {
    eventsUnwatch(host.id);
    fleetForget(host.id);
  }
  fleet().bus.emit("host", { hostId: host.id, status, statusMessage });
  await eventsWatchHosts();
  await auditBy(caller, {
    action: "host.test",
    outcome: status === "online" ? "success" : "failure",
    target: { type: "host", id: host.id, name: host.name },
    details: { status, failed: result.filter((s) => s.ok === false).map((s) => s.id) },
  });
}

/**
 * "Test connection": runs each step on a fresh connection (not the pool) and
 * reports what happened. On an unpinned host it records the presented key so
 * an operator can compare and confirm it; it never pins by itself.
 */
export async function hostProbe(caller: Caller, id: string): Promise<{ steps: ProbeStep[]; host: HostView }> {
  const host = await hostConnectInfo(id);
  const steps = new Map<ProbeStepId, ProbeStep>();
  const set: StepSet = (sid, ok, detail) => void steps.set(sid, { id: sid, ok, detail });
  let outcome: ProbeOutcome;
  const tcpErr = await tcpCheck(host.address, host.port);
  if (tcpErr) {
    set("tcp", false, `Cannot open TCP ${host.address}:${host.port}: ${tcpErr}`);
    outcome = { status: "offline", statusMessage: steps.get("tcp")!.detail, presented: undefined };
  } else {
    set("tcp", true, `${host.address}:${host.port} accepts connections`);
    outcome = await probeSsh(host, steps, set);
  }
  const result = ORDER.map((sid) => steps.get(sid) ?? { id: sid, ok: null, detail: "Not run" });
  await probeRecord(caller, host, outcome, result);
  return { steps: result, host: await hostGet(host.id) };
}

async function probeLibvirt(
  transport: HostTransport,
  uri: string,
  pref: "auto" | "kvm" | "qemu",
  set: (sid: ProbeStepId, ok: boolean, detail: string) => void,
): Promise<void> {
  const version = await transport.run([...VIRSH_ENV, "virsh", "--version"], { timeoutMs: 15_000 });
  if (version.code !== 0) {
    set(
      "virsh",
      false,
      version.code === 127 ? "virsh is not installed (package libvirt-clients)" : virshMessage(version.stderr),
    );
    return;
  }
  set("virsh", true, `virsh ${version.stdout.trim()}`);
  const u = await transport.run(virshArgv({ uri, command: "uri" }), { timeoutMs: 15_000 });
  if (u.code !== 0) {
    set("libvirt", false, `Cannot connect to ${uri}: ${virshMessage(u.stderr)}`);
    return;
  }
  set("libvirt", true, `Connected to ${u.stdout.trim()}`);
  const caps = await transport.run(virshArgv({ uri, command: "capabilities" }), { timeoutMs: 15_000 });
  if (caps.code !== 0) {
    set("virt", false, virshMessage(caps.stderr));
    return;
  }
  const types = guestDomainTypes(parseCapabilities(caps.stdout));
  if (types.length === 0) set("virt", false, "libvirt reports no hardware-virtualised guest support");
  else if (pref !== "auto" && !types.includes(pref))
    set("virt", false, `Domain type ${pref} is forced but the host offers ${types.join(", ")}`);
  else if (types.includes("kvm"))
    set("virt", true, pref === "qemu" ? "KVM available; TCG forced for this host" : "KVM acceleration available");
  else set("virt", true, "No KVM: guests run under TCG emulation (slow)");
}
