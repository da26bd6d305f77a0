import { z } from "zod";
import { TASK_STATUSES } from "@/lib/contracts/tasks";
import { IsoDateSchema } from "@/lib/contracts/api/common";

/** Answers of the task routes (/api/tasks), and the audit log's (/api/audit). */

/** ICU arguments of a message key (task title, status message, log line). */
const MessageParamsSchema = z.record(z.string(), z.union([z.string(), z.number()]));

export const TaskViewSchema = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  titleKey: z.string().nullable(),
  titleParams: MessageParamsSchema.nullable(),
  status: z.enum(TASK_STATUSES),
  progress: z.number(),
  message: z.string(),
  messageKey: z.string().nullable(),
  messageParams: MessageParamsSchema.nullable(),
  hostId: z.string().nullable(),
  vmUuid: z.string().nullable(),
  userId: z.string().nullable(),
  username: z.string(),
  cancellable: z.boolean(),
  cancelRequested: z.boolean(),
  createdAt: IsoDateSchema,
  startedAt: IsoDateSchema.nullable(),
  finishedAt: IsoDateSchema.nullable(),
  error: z.string().nullable(),
  result: z.record(z.string(), z.unknown()).nullable(),
});

export const TaskDetailSchema = TaskViewSchema.extend({
  logs: z.array(
    z.object({
      id: z.string(),
      at: IsoDateSchema,
      line: z.string(),
      lineKey: z.string().nullable(),
      lineParams: MessageParamsSchema.nullable(),
    }),
  ),
});

export const TaskListResponseSchema = z.object({ tasks: z.array(TaskViewSchema) });
export const TaskResponseSchema = z.object({ task: TaskViewSchema });
export const TaskDetailResponseSchema = z.object({ task: TaskDetailSchema });
/** Query of GET /api/tasks/:id: log lines after this log line id. */
export const TaskDetailQuerySchema = z.object({ logsAfter: z.coerce.bigint().nonnegative().optional() });

export const AuditEventSchema = z.object({
  id: z.string(),
  at: IsoDateSchema,
  actorId: z.string().nullable(),
  actorName: z.string(),
  action: z.string(),
  outcome: z.string(),
  targetType: z.string(),
  targetId: z.string(),
  targetName: z.string(),
  ip: z.string(),
  details: z.unknown(),
});

export const AuditListResponseSchema = z.object({
  events: z.array(AuditEventSchema),
  nextBefore: z.string().nullable(),
  total: z.number(),
});
