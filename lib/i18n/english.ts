import { readFileSync } from "node:fs";
import path from "node:path";
import { createTranslator } from "use-intl/core";
import { messagesDir } from "@/lib/i18n/catalogue";
import type { MessageRef } from "@/lib/contracts/messages";

type English = (ref: MessageRef) => string;
const cache = new Map<string, English>();

/** A message the catalogue cannot render: its key and arguments, so the text still says something. */
const bare: English = (ref) => [ref.key, ...Object.values(ref.params ?? {})].join(" ");

/**
 * The English of a message of one catalogue namespace (messages/en/<namespace>.json, read once per
 * process): what the server stores or answers beside the key the browser translates. A catalogue that
 * cannot be read, or a key it lacks, gives the key and its arguments (never a thrown error).
 */
export function englishText(namespace: string, ref: MessageRef): string {
  let english = cache.get(namespace);
  if (!english) {
    try {
      const file = path.join(messagesDir(), "en", `${namespace}.json`);
      const t = createTranslator({
        locale: "en",
        messages: { [namespace]: JSON.parse(readFileSync(file, "utf8")) },
        namespace,
        timeZone: "UTC",
        onError: () => {},
      }) as unknown as { (key: string, params?: MessageRef["params"]): string; has(key: string): boolean };
      english = (r) => (t.has(r.key) ? t(r.key, r.params ?? {}) : bare(r));
    } catch (err) {
      console.error(
        `i18n: the English catalogue ${namespace} could not be read: ${err instanceof Error ? err.message : err}`,
      );
      english = bare;
    }
    cache.set(namespace, english);
  }
  try {
    return english(ref);
  } catch {
    return bare(ref);
  }
}
