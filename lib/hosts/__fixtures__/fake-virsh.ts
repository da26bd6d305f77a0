// Test support: a scripted stand-in for an interactive `virsh -q` on an SSH channel.
import { Duplex, PassThrough } from "node:stream";
import type { CommandStream, HostTransport, RunOptions, RunResult } from "../transport";

/**
 * Port of virsh's line tokenizer, vshCommandStringGetArg in libvirt's tools/vsh.c (9.x):
 * blanks/';'/newline end a token outside quotes, '...' is literal, a backslash outside single
 * quotes escapes the next byte, "..." toggles double quoting. Returns null on "dangling \" or an
 * unterminated double quote, like virsh's parse error. Single-line input only.
 */
export function vshTokenize(line: string): string[][] | null {
  const commands: string[][] = [[]];
  let i = 0;
  for (;;) {
    while (line[i] === " " || line[i] === "\t") i++;
    if (i >= line.length) break;
    if (line[i] === ";" || line[i] === "\n") {
      commands.push([]);
      i++;
      continue;
    }
    if (line[i] === "#") break;
    let single = false;
    let double = false;
    let tok = "";
    while (i < line.length) {
      const c = line[i];
      if (!single && !double && (c === " " || c === "\t" || c === ";" || c === "\n")) break;
      if (!double && c === "'") {
        single = !single;
        i++;
        continue;
      }
      if (!single && c === "\\") {
        i++;
        if (i >= line.length) return null;
        tok += line[i++];
        continue;
      }
      if (!single && c === '"') {
        double = !double;
        i++;
        continue;
      }
      tok += c;
      i++;
    }
    if (double) return null;
    commands[commands.length - 1].push(tok);
  }
  return commands.filter((c) => c.length > 0);
}

export type FakeReply = { stdout?: string; stderr?: string } | "hang" | "die";

/**
 * Behaves like `virsh -q` reading stdin that is not a tty: prints "virsh # ", echoes each input
 * line, runs it, prints the next prompt. `echo [--err] ARGS` and `uri` are built in; everything
 * else goes to `reply`. Output is cut into small random chunks to exercise re-assembly.
 */
export class FakeVirsh {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly lines: string[] = [];
  writes = 0;
  #input = "";
  #hung = false;
  #closed = false;
  readonly stream: CommandStream;

  constructor(
    private readonly reply: (argv: string[]) => FakeReply,
    private readonly opts: { uri?: string; chunk?: number } = {},
  ) {
    const self = this;
    const duplex = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        self.writes++;
        self.#input += chunk.toString("utf8");
        self.#drain();
        cb();
      },
      final(cb) {
        self.close();
        cb();
      },
    });
    this.stdout.on("data", (b: Buffer) => duplex.push(b));
    Object.assign(duplex, { stderr: this.stderr, close: () => this.close(), signal: () => {} });
    this.stream = duplex as unknown as CommandStream;
    this.#out("virsh # ");
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The channel closes (virsh died, connection dropped). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    setImmediate(() => this.stream.emit("close"));
  }

  #out(s: string, target: PassThrough = this.stdout): void {
    const b = Buffer.from(s);
    const size = this.opts.chunk ?? 7;
    for (let i = 0; i < b.length; i += size) target.write(b.subarray(i, i + size));
  }

  #drain(): void {
    let nl: number;
    while (!this.#hung && !this.#closed && (nl = this.#input.indexOf("\n")) >= 0) {
      const line = this.#input.slice(0, nl);
      this.#input = this.#input.slice(nl + 1);
      this.lines.push(line);
      this.#out(`${line}\n`);
      const cmds = vshTokenize(line);
      if (cmds === null) this.#out("error: dangling \\\n", this.stderr);
      for (const argv of cmds ?? []) {
        if (argv[0] === "echo") {
          const err = argv[1] === "--err";
          const text = argv.slice(err ? 2 : 1).join(" ");
          if (err) this.#out(`error: ${text}\n`, this.stderr);
          else this.#out(text);
          continue;
        }
        if (argv[0] === "uri") {
          this.#out(`${this.opts.uri ?? "qemu:///system"}\n`);
          continue;
        }
        const r = this.reply(argv);
        if (r === "hang") {
          this.#hung = true;
          return;
        }
        if (r === "die") {
          this.#out("error: Disconnected from qemu:///system due to end of file\n", this.stderr);
          this.close();
          return;
        }
        if (r.stdout) this.#out(r.stdout);
        if (r.stderr) this.#out(r.stderr, this.stderr);
      }
      this.#out("virsh # ");
    }
  }
}

/** A HostTransport whose openStream() starts a FakeVirsh and whose run() is scripted. */
export class FakeTransport implements HostTransport {
  closed = false;
  readonly sessions: FakeVirsh[] = [];
  readonly runs: (readonly string[])[] = [];

  constructor(
    private readonly reply: (argv: string[]) => FakeReply,
    private readonly runReply: (argv: readonly string[]) => RunResult = () => ({ code: 0, stdout: "", stderr: "" }),
  ) {}

  async run(argv: readonly string[], _opts?: RunOptions): Promise<RunResult> {
    this.runs.push(argv);
    return this.runReply(argv);
  }

  async openStream(): Promise<CommandStream> {
    const fake = new FakeVirsh(this.reply);
    this.sessions.push(fake);
    return fake.stream;
  }

  async forwardOut(): Promise<Duplex> {
    throw new Error("not implemented");
  }

  close(): void {
    this.closed = true;
  }
}
