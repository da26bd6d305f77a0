import "server-only";
import { UnsafeArgumentError } from "./errors";

/**
 * Turns an argv array into the one string ssh2's `exec` hands to the remote login shell. This is
 * the only place commands become strings.
 *
 * Every element is wrapped in POSIX single quotes, where the shell interprets nothing; an embedded
 * `'` becomes `'\''` (close, escaped quote, reopen). Newlines, `$()`, backticks, globs and unicode
 * all pass through verbatim. NUL cannot be represented in an argv string at all, so it is refused.
 *
 * Assumes a POSIX-compatible login shell (sh, bash, dash, zsh, ksh) on the host. csh/tcsh expand
 * `!` inside single quotes and reject quoted newlines; fish treats `\'` differently.
 */
export function shellQuote(argv: readonly string[]): string {
  if (argv.length === 0) throw new UnsafeArgumentError("Refusing to run an empty command");
  return argv.map(quoteOne).join(" ");
}

function quoteOne(value: string, index: number): string {
  if (typeof value !== "string") {
    throw new UnsafeArgumentError(`Argument ${index} is not a string`);
  }
  if (value.includes("\0")) {
    throw new UnsafeArgumentError(`Argument ${index} contains a NUL byte`);
  }
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
