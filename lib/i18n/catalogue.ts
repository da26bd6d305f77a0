import "server-only";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Locale, Messages, MessageTree } from "@/lib/i18n/config";

/**
 * Message catalogues live in messages/<locale>/<namespace>.json. Every JSON file
 * in a locale's directory is a namespace: adding messages/en/auth.json and
 * messages/fr/auth.json is all it takes to make `getT("auth")` and
 * `useTranslations("auth")` work. No central list to edit.
 *
 * They are read from disk at run time rather than imported, because a bundler
 * cannot glob a directory; the custom server runs from the repository root.
 */
export function messagesDir(): string {
  return path.join(/* turbopackIgnore: true */ process.cwd(), "messages");
}

const NAMESPACE = /^[a-z][a-z0-9-]*$/;

/** Namespaces (file names without .json) present for a locale, sorted. */
export async function catalogueNamespaces(locale: Locale, dir = messagesDir()): Promise<string[]> {
  const entries = await readdir(path.join(dir, locale), { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".json"))
    .map((e) => e.name.slice(0, -".json".length))
    .filter((name) => NAMESPACE.test(name))
    .sort();
}

/** Reads every namespace of a locale. Throws a readable error naming the bad file. */
export async function catalogueLoad(locale: Locale, dir = messagesDir()): Promise<Messages> {
  const namespaces = await catalogueNamespaces(locale, dir);
  const messages: Messages = {};
  await Promise.all(
    namespaces.map(async (namespace) => {
      const file = path.join(dir, locale, `${namespace}.json`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readFile(file, "utf8"));
      } catch (err) {
        throw new Error(`messages/${locale}/${namespace}.json: ${err instanceof Error ? err.message : String(err)}`);
      }
      const problem = treeProblem(parsed, "");
      if (problem) throw new Error(`messages/${locale}/${namespace}.json: ${problem}`);
      messages[namespace] = parsed as MessageTree;
    }),
  );
  return messages;
}

/** A catalogue is nested objects whose leaves are strings; returns what is wrong, or null. */
function treeProblem(value: unknown, at: string): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return `${at || "top level"} must be an object of messages`;
  }
  for (const [key, child] of Object.entries(value)) {
    const where = at ? `${at}.${key}` : key;
    // use-intl reads "." as nesting, so a dotted key could never be looked up.
    if (key.includes(".")) return `key "${where}" must not contain "."`;
    if (typeof child === "string") continue;
    const problem = treeProblem(child, where);
    if (problem) return problem;
  }
  return null;
}

/** Flattens a message tree to "a.b.c" -> message, for tests and diagnostics. */
export function catalogueFlatten(tree: MessageTree, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, child] of Object.entries(tree)) {
    const full = prefix ? `${prefix}.${key}` : key;
    if (typeof child === "string") out.set(full, child);
    else for (const [k, v] of catalogueFlatten(child, full)) out.set(k, v);
  }
  return out;
}
