"use client";

import { useCallback } from "react";
import { useTranslations } from "use-intl";
import type { TaskLogLine, TaskView } from "@/lib/contracts/tasks";
import { messageText as taskText, type MessageTranslator } from "@/components/i18n/message-text";

type Titled = Pick<TaskView, "title" | "titleKey" | "titleParams">;
type Messaged = Pick<TaskView, "message" | "messageKey" | "messageParams">;
type Lined = Pick<TaskLogLine, "line" | "lineKey" | "lineParams">;

/** Translator of the "tasks" catalogue, reduced to what taskTitle needs (testable without React). */
export type TitleTranslator = MessageTranslator;

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
