"use client";
import { useTranslations } from "use-intl";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import type { TaskStatus } from "@/lib/contracts/tasks";

const TONE: Record<TaskStatus, BadgeTone> = {
  queued: "neutral",
  running: "info",
  succeeded: "success",
  failed: "danger",
  cancelled: "warning",
};

export function TaskStatusBadge({ status, testId }: { status: TaskStatus; testId?: string }) {
  const t = useTranslations("tasks.status");
  return (
    <Badge tone={TONE[status]} dot testId={testId}>
      {t(status)}
    </Badge>
  );
}
