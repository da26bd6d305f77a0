import "server-only";
import { HostProtocolError } from "./errors";

/*
 * Talking to an interactive `virsh -q` over its stdin/stdout. Two external quirks shape this file.
 *
 * 1. Quoting. virsh tokenises each line itself (vshCommandStringGetArg in libvirt's tools/vsh.c,
 *    https://gitlab.com/libvirt/libvirt/-/blob/master/tools/vsh.c): outside quotes, blank, tab,
 *    ';' and newline end a token and a leading '#' starts a comment; inside '...' every byte is
 *    literal (backslash included) up to the next '; outside single quotes a backslash escapes the
 *    next byte and "..." toggles double quoting; adjacent quoted pieces join into one token. So the
 *    POSIX form 'it'\''s' yields it's in virsh too (checked against virsh 9.0). Dequoting happens
 *    before option parsing, so a value starting with "-" is still read as an option: the argv
 *    builder refuses those.
 *    The line itself is read by GNU readline (virsh links it), which acts on control bytes even
 *    when stdin is not a terminal: TAB completes, CR/LF end the line, ^A/^K/ESC... edit it. Values
 *    with C0/C1 control characters or DEL therefore cannot travel through the session at all;
 *    virshStdinLine() returns null and the caller runs them as a one-shot exec instead.
 *
 * 2. Framing. With stdin not a tty readline still echoes: stdout carries, for every line read,
 *    the prompt "virsh # ", the echoed line (redrawn with \r or "<" in horizontal-scroll mode when
 *    long, but never containing \n) and then "\n", followed by the command's own output. virsh
 *    has no exit status per command; failures print "error: ..." on stderr. Each command is
 *    therefore wrapped as
 *        echo TOKEN'B<seq>Z'          -> stdout "TOKENB<seq>Z"
 *        <command>
 *        echo TOKEN'E<seq>Z'          -> stdout "TOKENE<seq>Z"
 *        echo --err TOKEN'R<seq>Z'    -> stderr "error: TOKENR<seq>Z\n"
 *    TOKEN is random per session. The quote inside each marker keeps the echoed input line from
 *    ever containing the marker's output. stdout of command <seq> is what lies between the begin
 *    and end marker outputs, minus the echoed command line at the front and the prompt plus
 *    echoed end-marker line at the back; its stderr is what precedes the stderr marker.
 */

export const VIRSH_PROMPT = "virsh # ";

// C0 controls, DEL and C1 controls: readline would act on them.
const UNSENDABLE = /[\u0000-\u001f\u007f-\u009f]/;

/** One virsh input line for argv, or null if some value cannot pass through readline intact. */
export function virshStdinLine(argv: readonly string[]): string | null {
  if (argv.length === 0) return null;
  const parts: string[] = [];
  for (const value of argv) {
    if (typeof value !== "string" || UNSENDABLE.test(value)) return null;
    parts.push(`'${value.replaceAll("'", `'\\''`)}'`);
  }
  return parts.join(" ");
}

export interface FramedResult {
  seq: number;
  /** False when virsh printed an "error:" line for this command. */
  ok: boolean;
  stdout: string;
  stderr: string;
}

const NL = 0x0a;

export class VirshFramer {
  #out: Buffer = Buffer.alloc(0);
  #err: Buffer = Buffer.alloc(0);
  #seq: number;
  #stdout: string | undefined;
  #stderr: string | undefined;

  constructor(
    readonly token: string,
    firstSeq = 0,
  ) {
    if (!/^[0-9a-f]{8,64}$/.test(token)) throw new Error("framing token must be lowercase hex");
    this.#seq = firstSeq;
  }

  /** The input lines that run `line` as command number `seq`. */
  frame(seq: number, line: string): string {
    const t = this.token;
    return `echo ${t}'B${seq}Z'\n${line}\necho ${t}'E${seq}Z'\necho --err ${t}'R${seq}Z'\n`;
  }

  /** Next sequence number the framer expects to complete. */
  get nextSeq(): number {
    return this.#seq;
  }

  /** Bytes buffered but not yet attributed to a finished command. */
  get pendingBytes(): number {
    return this.#out.length + this.#err.length;
  }

  pushStdout(chunk: Buffer): FramedResult[] {
    this.#out = this.#out.length ? Buffer.concat([this.#out, chunk]) : chunk;
    return this.#drain();
  }

  pushStderr(chunk: Buffer): FramedResult[] {
    this.#err = this.#err.length ? Buffer.concat([this.#err, chunk]) : chunk;
    return this.#drain();
  }

  #drain(): FramedResult[] {
    const done: FramedResult[] = [];
    for (;;) {
      if (this.#stdout === undefined) this.#stdout = this.#takeStdout(this.#seq);
      if (this.#stderr === undefined) this.#stderr = this.#takeStderr(this.#seq);
      if (this.#stdout === undefined || this.#stderr === undefined) return done;
      done.push({
        seq: this.#seq,
        ok: !/^error: /m.test(this.#stderr),
        stdout: this.#stdout,
        stderr: this.#stderr,
      });
      this.#stdout = this.#stderr = undefined;
      this.#seq++;
    }
  }

  #takeStdout(seq: number): string | undefined {
    const begin = Buffer.from(`${this.token}B${seq}Z`);
    const end = Buffer.from(`${this.token}E${seq}Z`);
    const b = this.#out.indexOf(begin);
    if (b < 0) return undefined;
    const e = this.#out.indexOf(end, b + begin.length);
    if (e < 0) return undefined;
    let region = this.#out.subarray(b + begin.length, e);
    this.#out = this.#out.subarray(e + end.length);
    // Front: prompt + echoed command line + "\n".
    const nl = region.indexOf(NL);
    if (nl < 0) throw new HostProtocolError(`virsh session: no echoed command line for #${seq}`);
    region = region.subarray(nl + 1);
    // Back: prompt + echoed end-marker line + "\n". Output may itself contain the prompt text,
    // but nothing after the real prompt can, so the last occurrence is the right one.
    if (region.length === 0 || region[region.length - 1] !== NL) {
      throw new HostProtocolError(`virsh session: malformed end of output for #${seq}`);
    }
    const p = region.lastIndexOf(VIRSH_PROMPT);
    if (p < 0) throw new HostProtocolError(`virsh session: no prompt before end marker of #${seq}`);
    return region.subarray(0, p).toString("utf8");
  }

  #takeStderr(seq: number): string | undefined {
    const marker = Buffer.from(`error: ${this.token}R${seq}Z\n`);
    const i = this.#err.indexOf(marker);
    if (i < 0) return undefined;
    const text = this.#err.subarray(0, i).toString("utf8");
    this.#err = this.#err.subarray(i + marker.length);
    return text;
  }
}

// virsh's notices that it lost its libvirt connection and opened a new one (tools/virsh.c, e.g.
// after a libvirtd restart): printed as "error:" lines, yet the command after them then ran on
// the new connection. The lost-connection line comes asynchronously, so it lands in the stderr
// of whichever command is next.
const RECONNECT_NOTICE = /^error: (?:Reconnected to the hypervisor|Disconnected from \S+ due to [^\n]*)$\n?/gm;

/**
 * A session result without virsh's reconnect notices: ok when no other "error:" line is left
 * (the command itself succeeded), `reconnected` when there were any. A command that failed on
 * the lost connection keeps its own error line, so it stays failed.
 */
export function reconnectNoticesStrip<R extends { ok: boolean; stdout: string; stderr: string }>(
  r: R,
): R & { reconnected?: boolean } {
  const stderr = r.stderr.replace(RECONNECT_NOTICE, "");
  if (stderr === r.stderr) return r;
  return { ...r, ok: !/^error: /m.test(stderr), stderr, reconnected: true };
}
