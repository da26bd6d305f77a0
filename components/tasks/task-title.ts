"use client";

import { useCallback } from "react";
import { useTranslations } from "use-intl";
import type { TaskView } from "@/lib/contracts/tasks";

type Titled = Pick<TaskView, "title" | "titleKey" | "titleParams">;

/** Translator of the "tasks" catalogue, reduced to what taskTitle needs (testable without React). */
export interface TitleTranslator {
  (key: string, params?: Record<string, string | number>): string;
  has(key: string): boolean;
}

/** A task's title in the user's language: its message key when the catalogue has it, else the stored English title. */
export function taskTitle(t: TitleTranslator, task: Titled): string {
  if (!task.titleKey || !t.has(task.titleKey)) return task.title;
  try {
    return t(task.titleKey, task.titleParams ?? {});
  } catch {
    return task.title;
  }
}

/** taskTitle bound to the "tasks" catalogue of the current locale. */
export function useTaskTitle(): (task: Titled) => string {
  const t = useTranslations("tasks");
  return useCallback((task: Titled) => taskTitle(t as unknown as TitleTranslator, task), [t]);
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
