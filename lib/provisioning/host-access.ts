import "server-only";
import { AppError } from "@/lib/http/errors";
import { CommandFailedError } from "@/lib/hosts/errors";
import { virshArgvFor, virshCommand, type VirshCommandArgv, type VirshCommandInput } from "@/lib/hosts/virsh-command";
import { assertVirshOk } from "@/lib/hosts/virsh-session";
import { hostGet, type HostView } from "@/lib/fleet/hosts";
import { virshMessage } from "@/lib/fleet/errors";
import { fleet, fleetHostFailure } from "@/lib/fleet/runtime";

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
  /** A fixed, value-free host command (osinfo-query); resolves whatever the exit code. */
  exec(argv: readonly string[], timeoutMs?: number): Promise<{ code: number | null; stdout: string; stderr: string }>;
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
    async virshExec(cmd, opts = {}) {
      const argv = virshArgvFor(host.libvirtUri, virshCommand(cmd));
      try {
        const transport = await fleet().pool.get(host.id);
        const r = await transport.run(argv, { stdin: opts.stdin, timeoutMs: opts.timeoutMs ?? 120_000 });
        if (r.code !== 0) throw new CommandFailedError(["virsh", cmd.command], r.code, r.stderr);
        return r.stdout;
      } catch (err) {
        return fail(err);
      }
    },
    async exec(argv, timeoutMs = 30_000) {
      try {
        const transport = await fleet().pool.get(host.id);
        return await transport.run(argv, { timeoutMs });
      } catch (err) {
        return fail(err);
      }
    },
  };
}
