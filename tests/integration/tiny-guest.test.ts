// A real Linux guest on the real test host: the tiny guest of scripts/stack/tiny-guest.sh (Debian's
// cloud kernel + a busybox initramfs) boots on host 1's qemu:///system, and its serial console is
// driven through the product's own ssh transport (`virsh console` on a pty exec channel) while its
// VGA console is checked with `virsh screenshot`. Other console tests can define the same guest:
// see tinyGuestXml() below for the exact domain XML.
import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectSsh } from "@/lib/hosts/ssh-transport";
import { runChecked, type CommandStream, type HostTransport } from "@/lib/hosts/transport";
import { virshArgv } from "@/lib/hosts/virsh-command";
import { stackEnv } from "./helpers/stack-env";
import { TINY_BANNER, tinyGuestFiles, tinyGuestXml } from "./helpers/tiny-guest";

const stack = stackEnv();
const host1 = stack.host1;
const BANNER = TINY_BANNER;
// busybox ash follows its prompt with a cursor-position query (ESC [6n), so no "$" here.
const PROMPT = /tiny:[^\r\n]*# /;
const BANNER_TIMEOUT_MS = 30_000;

/** Everything a stream has printed so far, and a way to wait for a pattern in what follows `from`. */
class Transcript {
  text = "";
  #waiters = new Set<() => void>();
  constructor(stream: CommandStream) {
    const push = (b: Buffer) => {
      this.text += b.toString("utf8");
      for (const w of [...this.#waiters]) w();
    };
    stream.on("data", push);
    stream.stderr.on("data", push);
  }
  waitFor(re: RegExp, timeoutMs: number, from = 0): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = this.text.slice(from).match(re);
        if (!m) return;
        this.#waiters.delete(check);
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(
          new Error(
            `no ${re} on the serial console within ${timeoutMs} ms; it showed:\n${this.text.slice(from).slice(-2000)}`,
          ),
        );
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }
}

/** Distinct RGB(A) pixel values of a PNG (8-bit, non-interlaced truecolour: what QEMU's screendump writes). */
function pngColours(png: Buffer): { width: number; height: number; colours: number } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let width = 0;
  let height = 0;
  let bpp = 0;
  const idat: Buffer[] = [];
  for (let off = 8; off < png.length;) {
    const len = png.readUInt32BE(off);
    const type = png.toString("latin1", off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colourType, , , interlace] = data.subarray(8, 13);
      expect({ depth, interlace }).toEqual({ depth: 8, interlace: 0 });
      bpp = ({ 2: 3, 6: 4 } as Record<number, number>)[colourType] ?? 0;
      expect(bpp, `PNG colour type ${colourType}`).toBeGreaterThan(0);
    } else if (type === "IDAT") idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  let prev = Buffer.alloc(stride);
  const colours = new Set<string>();
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? line[x - bpp] : 0;
      const b = prev[x];
      const c = x >= bpp ? prev[x - bpp] : 0;
      let add = 0;
      if (filter === 1) add = a;
      else if (filter === 2) add = b;
      else if (filter === 3) add = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        add = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      line[x] = (line[x] + add) & 0xff;
    }
    for (let x = 0; x < stride; x += bpp) colours.add(line.subarray(x, x + bpp).toString("hex"));
    prev = line;
  }
  return { width, height, colours: colours.size };
}

describe("tiny guest: a real Linux guest with serial and VGA consoles on host 1", () => {
  const files = tinyGuestFiles();
  const uri = host1.libvirtUri;
  const name = `vdtest-tiny-${randomBytes(4).toString("hex")}`;
  const uuid = randomUUID();
  let t: HostTransport | undefined;
  let defined = false;
  let consoleStream: CommandStream | undefined;
  let serial: Transcript;
  let resumedAt = 0;
  let bannerAt = 0;
  let bannerEnd = 0;

  beforeAll(async () => {
    t = await connectSsh({
      host: host1.host,
      port: host1.port,
      username: host1.username,
      privateKey: readFileSync(host1.privateKeyPath),
      expectedHostKeySha256: host1.hostKeySha256,
      readyTimeoutMs: 15_000,
    });
    // define reads the XML from stdin: no temp file, no XML on the command line.
    await runChecked(t, virshArgv({ uri, command: "define", args: [{ arg: "/dev/stdin" }] }), {
      stdin: tinyGuestXml({ name, uuid, ...files }),
    });
    defined = true;
    // Paused first, so the console is attached before the guest prints anything: a pty
    // serial port drops whatever the guest writes while nobody is connected.
    await runChecked(t, virshArgv({ uri, command: "start", args: [{ domain: uuid }, { flag: "--paused" }] }));
    consoleStream = await t.openStream(
      virshArgv({ uri, command: "console", args: [{ domain: uuid }, { flag: "--force" }] }),
      { pty: true },
    );
    serial = new Transcript(consoleStream);
    resumedAt = performance.now();
    await runChecked(t, virshArgv({ uri, command: "resume", args: [{ domain: uuid }] }));
  });

  afterAll(async () => {
    if (consoleStream) {
      consoleStream.write("\x1d"); // ^] ends virsh console
      consoleStream.end();
      consoleStream.destroy();
    }
    if (defined) {
      // Over the transport if it is still up, else with the local virsh (host 1 is this machine).
      const virsh = async (argv: string[]) => {
        if (t && !t.closed) return t.run(argv, { timeoutMs: 30_000 });
        try {
          execFileSync(argv[2], argv.slice(3), { stdio: "ignore", env: { ...process.env, LC_ALL: "C.UTF-8" } });
        } catch {}
      };
      await virsh(virshArgv({ uri, command: "destroy", args: [{ domain: uuid }] }));
      await virsh(virshArgv({ uri, command: "undefine", args: [{ domain: uuid }] }));
    }
    t?.close();
  });

  it("prints its banner on the serial console within 30 s of boot", async () => {
    const m = await serial.waitFor(BANNER, BANNER_TIMEOUT_MS);
    bannerAt = performance.now();
    bannerEnd = m.index! + m[0].length;
    expect(m[1]).toMatch(/^6\.1\.0-\d+-cloud-amd64$/);
    console.log(
      `[tiny-guest] kernel ${m[1]}, TCG: boot-to-banner ${((bannerAt - resumedAt) / 1000).toFixed(2)} s ` +
        `(resume to "VIRTDECK-TINY-GUEST READY" on ttyS0 via ssh + virsh console)`,
    );
  });

  it("runs what is typed on the serial console", async () => {
    expect(bannerAt, "the banner test must pass first").toBeGreaterThan(0);
    await serial.waitFor(PROMPT, 15_000, bannerEnd);
    const from = serial.text.length;
    consoleStream!.write("echo hello-$((6*7))\r");
    // The echo of the typed line shows "hello-$((6*7))"; only the shell's arithmetic prints hello-42.
    await serial.waitFor(/hello-42\r?\n/, 10_000, from);
  });

  it("shows text on its VGA console (virsh screenshot is not one flat colour)", () => {
    expect(bannerAt, "the banner test must pass first").toBeGreaterThan(0);
    const dir = mkdtempSync(path.join(tmpdir(), "vdtest-tiny-shot-"));
    try {
      const file = path.join(dir, "screen.png");
      const out = execFileSync("virsh", ["-c", uri, "screenshot", uuid, file], {
        encoding: "utf8",
        env: { ...process.env, LC_ALL: "C.UTF-8" },
      });
      expect(out).toContain("image/png");
      const shot = pngColours(readFileSync(file));
      expect(shot.width).toBeGreaterThanOrEqual(640);
      expect(shot.height).toBeGreaterThanOrEqual(400);
      expect(shot.colours).toBeGreaterThan(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
