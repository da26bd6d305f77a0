import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The value after an option, read only when the option takes one. */
export interface OptionValue {
  /** The raw text. */
  text(): string;
  /** A whole number >= min. */
  int(min: number): number;
  /** A path, made absolute. */
  path(): string;
}

/**
 * A bench's command line, read in one loop: `options` maps each option to what it sets (a flag
 * reads no value). `--help` prints the script's header comment (the usage) and exits; anything
 * else is an error naming the option.
 */
export function argsParse(
  argv: readonly string[],
  scriptUrl: string,
  options: Record<string, (value: OptionValue) => void>,
): void {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") {
      console.log(readFileSync(fileURLToPath(scriptUrl), "utf8").split("*/")[0]);
      process.exit(0);
    }
    const set = options[a];
    if (!set) throw new Error(`unknown option ${a}`);
    const text = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    set({ text, int: (min) => intParse(a, text(), min), path: () => path.resolve(text()) });
  }
}

/** `v` as a whole number >= min, or an error naming `option`. */
export function intParse(option: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${option}: expected an integer >= ${min}, got ${v}`);
  return n;
}

/** Where a bench writes its results by default: a timestamped JSON file in the temp directory. */
export function benchOutPath(name: string): string {
  return path.join(os.tmpdir(), `vdbench-${name}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
}
