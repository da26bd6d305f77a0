import "server-only";
import { AppError } from "@/lib/http/errors";
import { CommandFailedError, CommandTimeoutError } from "@/lib/hosts/errors";
import { virshArgvFor, virshCommand, type VirshCommandArgv, type VirshCommandInput } from "@/lib/hosts/virsh-command";
import { assertVirshOk } from "@/lib/hosts/virsh-session";
import { hostGet, type HostView } from "@/lib/fleet/hosts";
import { virshMessage } from "@/lib/fleet/errors";
import { fleet, fleetHostFailure } from "@/lib/fleet/runtime";
import { auditRecord } from "@/lib/audit/audit";
import type { Caller } from "@/lib/authz/caller";

/**
 * The one choke point provisioning uses to talk to a host: virsh commands through the host's
 * long-lived session, or as a one-shot exec when they read stdin (define, attach-device,
 * vol-upload take /dev/stdin) or run long (volume copies). virsh's own error message becomes an
 * action_failed error; transport failures mark the host as the fleet does.
 */
export interface ProvHost {
  host: HostView;
  /** Runs commands pipelined on the virsh session; throws on the first failure. */
  virsh(...cmds: VirshCommandInput[]): Promise<string[]>;
  /** Like virsh() but returns ok/stdout/stderr per command instead of throwing on virsh errors. */
  virshTry(...cmds: VirshCommandInput[]): Promise<{ ok: boolean; stdout: string; stderr: string }[]>;
  /** One-shot virsh with stdin (the command's file argument is /dev/stdin) and a timeout. */
  virshExec(cmd: VirshCommandInput, opts?: { stdin?: string | Buffer; timeoutMs?: number }): Promise<string>;
  /**
   * A one-shot virsh whose stdin (its /dev/stdin file argument) comes later: its SSH exec and the
   * host's login shell start now, alongside other work such as a volume copy, so `feed` pays only
   * for the command itself. `cancel` ends it without input (virsh then fails on an empty document
   * and changes nothing). If the early process is gone before it is fed, `feed` runs the command
   * as a plain one-shot exec instead.
   */
  virshExecEarly(cmd: VirshCommandInput): EarlyVirsh;
  /** A host command as argv (osinfo-query, qemu-img info, the file copy); each element is quoted once; resolves whatever the exit code. */
  exec(argv: readonly string[], timeoutMs?: number, opts?: { onStdout?: (chunk: Buffer) => void }): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

export interface EarlyVirsh {
  feed(stdin: string | Buffer, opts?: { timeoutMs?: number }): Promise<string>;
  cancel(): void;
}

export async function provHost(hostId: string): Promise<ProvHost> {
  const host = await hostGet(hostId);
  if (!host.hostKeySha256 || host.status === "key_mismatch") {
    throw new AppError("host_not_ready", `${host.name}: confirm the host key first (Test connection on the host page)`);
  }
  const fail = async (err: unknown): Promise<never> => {
    if (err instanceof CommandFailedError) throw new AppError("action_failed", `${host.name}: ${virshMessage(err.stderr)}`);
    if (err instanceof AppError) throw err;
    throw await fleetHostFailure(host.id, host.name, err);
  };
  const session = () => fleet().sessions.get(host.id, host.libvirtUri);
  const oneShot = async (cmd: VirshCommandInput, opts: { stdin?: string | Buffer; timeoutMs?: number } = {}): Promise<string> => {
    const argv = virshArgvFor(host.libvirtUri, virshCommand(cmd));
    try {
      const transport = await fleet().pool.get(host.id);
      const r = await transport.run(argv, { stdin: opts.stdin, timeoutMs: opts.timeoutMs ?? 120_000 });
      if (r.code !== 0) throw new CommandFailedError(["virsh", cmd.command], r.code, r.stderr);
      return r.stdout;
    } catch (err) {
      return fail(err);
    }
  };
  return {
    host,
    async virsh(...cmds) {
      const argvs: VirshCommandArgv[] = cmds.map((c) => virshCommand(c));
      try {
        const results = await session().batch(argvs);
        return results.map((r, i) => assertVirshOk(argvs[i], r).stdout);
      } catch (err) {
        return fail(err);
      }
    },
    async virshTry(...cmds) {
      const argvs = cmds.map((c) => virshCommand(c));
      try {
        return await session().batch(argvs);
      } catch (err) {
        return fail(err);
      }
    },
    virshExec: oneShot,
    virshExecEarly(cmd) {
      const argv = virshArgvFor(host.libvirtUri, virshCommand(cmd));
      // On the host's stream connections (not the main one): a channel held open through a long
      // copy must not take one of the main connection's few sessions.
      const opened = fleet()
        .streams.openStream(host.id, argv)
        .then(({ stream }) => {
          let stdout = "";
          let stderr = "";
          stream.on("data", (b: Buffer) => (stdout += b.toString("utf8")));
          stream.stderr.on("data", (b: Buffer) => (stderr = (stderr + b.toString("utf8")).slice(-8000)));
          const state = { exited: false };
          const exit = new Promise<number | null>((resolve) => {
            stream.once("exit", (code: number | null) => resolve(typeof code === "number" ? code : null));
            stream.once("close", () => resolve(null));
          }).finally(() => (state.exited = true));
          return { stream, exit, state, out: () => ({ stdout, stderr }) };
        });
      opened.catch(() => {}); // reported by feed (which falls back), or moot after cancel
      let used = false;
      return {
        async feed(stdin, opts = {}) {
          if (used) throw new Error("virshExecEarly: fed twice");
          used = true;
          const p = await opened.catch(() => null);
          // Never started, or gone before any input: nothing ran, so run it the plain way.
          if (!p || p.state.exited) {
            p?.stream.destroy();
            return oneShot(cmd, { stdin, timeoutMs: opts.timeoutMs });
          }
          let timer: NodeJS.Timeout | undefined;
          try {
            p.stream.end(stdin);
            const code = await Promise.race([
              p.exit,
              new Promise<never>((_, reject) => {
                timer = setTimeout(() => reject(new CommandTimeoutError(["virsh", cmd.command], opts.timeoutMs ?? 120_000)), opts.timeoutMs ?? 120_000);
              }),
            ]);
            const { stdout, stderr } = p.out();
            if (code !== 0) throw new CommandFailedError(["virsh", cmd.command], code, stderr);
            return stdout;
          } catch (err) {
            p.stream.destroy();
            return fail(err);
          } finally {
            clearTimeout(timer);
          }
        },
        cancel() {
          if (used) return;
          used = true;
          void opened.then(
            (p) => p.stream.end(),
            () => {},
          );
        },
      };
    },
    async exec(argv, timeoutMs = 30_000, opts = {}) {
      try {
        const transport = await fleet().pool.get(host.id);
        return await transport.run(argv, { timeoutMs, onStdout: opts.onStdout });
      } catch (err) {
        return fail(err);
      }
    },
  };
}

/**
 * The audit record of one provisioning action on a VM of this host, by this caller: target
 * "<host id>/<uuid>" with the VM's name, the host's name first in the details.
 */
export function vmAuditor(caller: Caller, h: ProvHost, action: string, vm: { uuid?: string; name: string }) {
  return (outcome: "success" | "failure", details: Record<string, unknown>) =>
    auditRecord({
      actor: caller.actor,
      action,
      outcome,
      // A VM being created has its UUID once planned: it comes with the details then.
      target: { type: "vm", id: `${h.host.id}/${vm.uuid ?? details.uuid ?? ""}`, name: vm.name },
      ip: caller.ip,
      details: { host: h.host.name, ...details },
    });
}
