"use client";

import { useCallback } from "react";
import { useTranslations } from "use-intl";
import type { TaskLogLine, TaskView } from "@/lib/contracts/tasks";

type Titled = Pick<TaskView, "title" | "titleKey" | "titleParams">;
type Messaged = Pick<TaskView, "message" | "messageKey" | "messageParams">;
type Lined = Pick<TaskLogLine, "line" | "lineKey" | "lineParams">;

/** Translator of the "tasks" catalogue, reduced to what taskTitle needs (testable without React). */
export interface TitleTranslator {
  (key: string, params?: Record<string, string | number>): string;
  has(key: string): boolean;
}

/**
 * A text the server stored in English with its message key and arguments, in the user's language:
 * the key when the catalogue has it, else the stored English (older rows, unknown keys).
 */
export function taskText(
  t: TitleTranslator,
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

/** A task's title in the user's language. */
export function taskTitle(t: TitleTranslator, task: Titled): string {
  return taskText(t, task.title, task.titleKey, task.titleParams);
}

/** A task's status message in the user's language. */
export function taskMessage(t: TitleTranslator, task: Messaged): string {
  return taskText(t, task.message, task.messageKey, task.messageParams);
}

/** A task log line in the user's language. */
export function taskLogLine(t: TitleTranslator, line: Lined): string {
  return taskText(t, line.line, line.lineKey, line.lineParams);
}

/** taskTitle bound to the "tasks" catalogue of the current locale. */
export function useTaskTitle(): (task: Titled) => string {
  const t = useTranslations("tasks");
  return useCallback((task: Titled) => taskTitle(t as unknown as TitleTranslator, task), [t]);
}

/** taskMessage bound to the "tasks" catalogue of the current locale. */
export function useTaskMessage(): (task: Messaged) => string {
  const t = useTranslations("tasks");
  return useCallback((task: Messaged) => taskMessage(t as unknown as TitleTranslator, task), [t]);
}

/** taskLogLine bound to the "tasks" catalogue of the current locale. */
export function useTaskLogLine(): (line: Lined) => string {
  const t = useTranslations("tasks");
  return useCallback((line: Lined) => taskLogLine(t as unknown as TitleTranslator, line), [t]);
}

/** A task kind ("vm.create", "storage.upload") as a readable name: `tasks.kinds.vm.create`, else the raw kind. */
export function taskKindLabel(t: TitleTranslator, kind: string): string {
  const key = `kinds.${kind}`;
  return /^[a-z]+(\.[a-z]+)+$/i.test(kind) && t.has(key) ? t(key) : kind;
}

/** taskKindLabel bound to the "tasks" catalogue of the current locale. */
export function useTaskKind(): (kind: string) => string {
  const t = useTranslations("tasks");
  return useCallback((kind: string) => taskKindLabel(t as unknown as TitleTranslator, kind), [t]);
}
