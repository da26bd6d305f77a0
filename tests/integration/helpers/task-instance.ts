// A second virtdeck "instance" for task restart tests, run as its own process:
//   TSX_TSCONFIG_PATH=tsconfig.server.json node --import tsx tests/integration/helpers/task-instance.ts
// Environment: DATABASE_URL or VIRTDECK_DATA_DIR (the test's database), VD_TASK_USER_ID and
// VD_TASK_USERNAME (who enqueues).
// It starts the task workers with a handler for "test.hold" that reports progress and then
// waits until aborted, prints `running <taskId>` once the task runs, and on SIGTERM stops the
// way server.ts does. The test kills it with SIGKILL or SIGTERM.
import { closeDatabase, prepareDatabase } from "@/lib/db/client";
import { taskEnqueue } from "@/lib/tasks/tasks";
import { taskHandlerRegister } from "@/lib/tasks/registry";
import { taskWorkersStart, taskWorkersStop } from "@/lib/tasks/workers";
import { sessionCaller } from "./callers";

taskHandlerRegister(
  "test.hold",
  async (ctx) => {
    await ctx.progress(40, "holding");
    await ctx.log("holding until stopped");
    process.stdout.write(`running ${ctx.taskId}\n`);
    await new Promise<void>((_, reject) => {
      ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true });
    });
  },
  { cancellable: true },
);

async function main() {
  await prepareDatabase();
  const session = {
    id: "instance",
    csrfToken: "",
    expiresAt: new Date(Date.now() + 3600_000),
    user: {
      id: process.env.VD_TASK_USER_ID!,
      username: process.env.VD_TASK_USERNAME!,
      displayName: "",
      role: "admin" as const,
    },
  };
  await taskWorkersStart({ concurrency: 1, pollingIntervalSeconds: 0.5 });
  process.on("SIGTERM", () => {
    taskWorkersStop({ graceMs: 3_000 })
      .finally(() => closeDatabase())
      .finally(() => process.exit(0));
  });
  await taskEnqueue(sessionCaller(session, "127.0.0.1"), {
    kind: "test.hold",
    title: "held until the instance stops",
    input: {},
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
