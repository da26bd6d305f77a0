/** Translator of one catalogue namespace, reduced to what messageText needs (testable without React). */
export interface MessageTranslator {
  (key: string, params?: Record<string, string | number>): string;
  has(key: string): boolean;
}

/**
 * A text the server stored or sent in English with its message key and arguments (task titles and log
 * lines, migration pre-flight reasons), in the user's language: the key when the catalogue has it, else
 * the English (older rows, unknown keys, arguments the message cannot format).
 */
export function messageText(
  t: MessageTranslator,
  english: string,
  key: string | null | undefined,
  params: Record<string, string | number> | null | undefined,
): string {
  if (!key || !t.has(key)) return english;
  try {
    return t(key, params ?? {});
  } catch {
    return english;
  }
}
