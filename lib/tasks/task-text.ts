import "server-only";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createTranslator } from "use-intl/core";
import { messagesDir } from "@/lib/i18n/catalogue";
import type { MessageRef } from "@/lib/contracts/messages";
import type { Prisma } from "@/lib/generated/prisma/client";
import { MAX_LOG_LINE } from "./registry";

/**
 * A task's log line or status message: a key of the "tasks" catalogue with its ICU arguments
 * (what the browser translates), or plain English for a line that has no message. Arguments
 * carry names, sizes and texts from hosts (libvirt's errors) as they are.
 */
export type TaskText = string | MessageRef;

/** A message in the "tasks" catalogue: `msg("lines.started")`, `msg("lines.error", { error })`. */
export function msg(key: string, params?: MessageRef["params"]): MessageRef {
  return params ? { key, params } : { key };
}

type English = (ref: MessageRef) => string;
let english: English | null = null;

/** A message the catalogue cannot render: its key and arguments, so the line still says something. */
const bare: English = (ref) => [ref.key, ...Object.values(ref.params ?? {})].join(" ");

/**
 * The English catalogue, read once per process: it writes the English line every row keeps. A
 * catalogue that cannot be read must not stop a task's log (its lines are then bare keys).
 */
function englishOf(): English {
  if (english) return english;
  try {
    const file = path.join(messagesDir(), "en", "tasks.json");
    const t = createTranslator({
      locale: "en",
      messages: { tasks: JSON.parse(readFileSync(file, "utf8")) },
      namespace: "tasks",
      timeZone: "UTC",
      onError: () => {},
    }) as unknown as { (key: string, params?: MessageRef["params"]): string; has(key: string): boolean };
    english = (ref) => (t.has(ref.key) ? t(ref.key, ref.params ?? {}) : bare(ref));
  } catch (err) {
    console.error(`tasks: the English catalogue could not be read: ${err instanceof Error ? err.message : err}`);
    english = bare;
  }
  return english;
}

/** The columns of a text: the English (API, CSV export, older readers) and, for a message, its key and arguments. */
export function taskTextFields(text: TaskText): {
  text: string;
  key: string | null;
  params: Prisma.InputJsonObject | null;
} {
  if (typeof text === "string") return { text, key: null, params: null };
  let english: string;
  try {
    english = englishOf()(text);
  } catch {
    english = bare(text);
  }
  return { text: english, key: text.key, params: text.params ?? {} };
}

/** The English of a text (for error messages built from a log line). */
export function taskTextEnglish(text: TaskText): string {
  return taskTextFields(text).text;
}

/** The status message columns of a task row (a plain-English message clears the key). */
export function messageFields(text: TaskText): {
  message: string;
  messageKey: string | null;
  messageParams?: Prisma.InputJsonObject;
} {
  const f = taskTextFields(text);
  return { message: f.text.slice(0, 500), messageKey: f.key, ...(f.params ? { messageParams: f.params } : {}) };
}

/** The columns of a log line. */
export function logLineFields(line: TaskText): {
  line: string;
  lineKey: string | null;
  lineParams?: Prisma.InputJsonObject;
} {
  const f = taskTextFields(line);
  return { line: f.text.slice(0, MAX_LOG_LINE), lineKey: f.key, ...(f.params ? { lineParams: f.params } : {}) };
}
