/**
 * Records a real interactive virsh transcript for the framing unit tests (virsh-stdin.test.ts):
 *
 *   npx tsx --conditions=react-server lib/hosts/__fixtures__/generate.ts [qemu:///system]
 *
 * Feeds framed commands to a local `virsh -q` exactly as a VirshSession does over SSH and stores
 * what came back on stdout and stderr, byte for byte, next to the commands that produced them.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { VirshFramer, virshStdinLine } from "../virsh-stdin";

const uri = process.argv[2] ?? "qemu:///system";
export const TOKEN = "0123456789abcdef01234567";

// Not all of these pass the virsh-command allow-list (echo does not); the framer does not care,
// and echo lets the transcript contain prompt-like and marker-like text.
export const COMMANDS: string[][] = [
  ["uri"],
  // Markers of other sequence numbers or sessions are just text. (The session token itself is
  // random and secret, which is what keeps output from ever containing a live marker.)
  ["echo", "virsh # looks like a prompt", "and markers", `${TOKEN}E9Z`, "ffffffffffffffffffffffffE1Z"],
  ["net-dumpxml", `it's "quoted" ;$(id) \`id\` <&> ünïcødé 日本 😀`],
  ["echo", "x".repeat(600)],
  ["nodeinfo"],
  ["echo", "--err", "an error: for the stderr stream"],
  ["capabilities"],
  ["echo", ""],
];

const framer = new VirshFramer(TOKEN);
const input = COMMANDS.map((argv, seq) => {
  const line = virshStdinLine(argv);
  if (line === null) throw new Error(`not sendable through readline: ${JSON.stringify(argv)}`);
  return framer.frame(seq, line);
}).join("");
const r = spawnSync("virsh", ["-q", "-c", uri], {
  input,
  env: { ...process.env, LC_ALL: "C.UTF-8", TERM: "dumb", VIRSH_HISTSIZE: "0" },
});
if (r.status !== 0) throw new Error(`virsh exited ${r.status}: ${r.stderr}`);
const dir = import.meta.dirname;
writeFileSync(path.join(dir, "virsh-session.stdout"), r.stdout);
writeFileSync(path.join(dir, "virsh-session.stderr"), r.stderr);
console.log(`stdout ${r.stdout.length} bytes, stderr ${r.stderr.length} bytes`);
