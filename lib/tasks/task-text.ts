import "server-only";
import { englishText } from "@/lib/i18n/english";
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

/** The columns of a text: the English (API, CSV export, older readers) and, for a message, its key and arguments. */
export function taskTextFields(text: TaskText): {
  text: string;
  key: string | null;
  params: Prisma.InputJsonObject | null;
} {
  if (typeof text === "string") return { text, key: null, params: null };
  return { text: englishText("tasks", text), key: text.key, params: text.params ?? {} };
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
