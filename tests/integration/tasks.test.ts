import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CALLER_IP, fleetSetup, until, type FleetContext } from "./helpers/fleet-stack";
import { sessionCaller } from "./helpers/callers";

/**
 * Tasks on the real database (VD_TEST_DB=postgres or pglite) with the real pg-boss queue:
 * progress and log, cancel (running and queued), visibility, and tasks left "running" by an
 * instance that was killed or stopped, resolved by the next one.
 */
type Tasks = typeof import("@/lib/tasks/tasks");
type Caller = import("@/lib/authz/caller").Caller;

let f: FleetContext;
let tasks: Tasks;
let admin: Caller;
let operator: Caller;

/** Gates the test handlers wait on, by task id. */
const gates = new Map<string, () => void>();
const gate = (id: string) => new Promise<void>((resolve) => gates.set(id, resolve));

async function userCaller(username: string, role: "operator" | "helpdesk"): Promise<Caller> {
  const users = await import("@/lib/users/users");
  const login = await import("@/lib/auth/login");
  const session = await import("@/lib/auth/session");
  await users.userCreate(admin, users.UserCreateSchema.parse({ username, role, password: `${username} password 1` }));
  const r = await login.login({ username, password: `${username} password 1` }, { ip: CALLER_IP, userAgent: "vitest" });
  const s = await session.sessionLookup(r.token);
  if (!s) throw new Error("no session");
  return sessionCaller(s, CALLER_IP);
}

beforeAll(async () => {
  f = await fleetSetup();
  tasks = await import("@/lib/tasks/tasks");
  admin = f.caller;
  operator = await userCaller("task.operator", "operator");

  (await import("@/lib/tasks/registry")).taskHandlerRegister("test.steps", async (ctx) => {
    const input = ctx.input as { steps: number };
    for (let i = 1; i <= input.steps; i++) {
      await ctx.progress((i / input.steps) * 100, `step ${i} of ${input.steps}`);
      await ctx.log(`did step ${i}`);
      if (i === 1) await gate(ctx.taskId);
    }
    return { steps: input.steps };
  });
  (await import("@/lib/tasks/registry")).taskHandlerRegister(
    "test.wait-cancel",
    async (ctx) => {
      await ctx.progress(5, "waiting");
      await new Promise<void>((_, reject) =>
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true }),
      );
    },
    { cancellable: true },
  );
  (await import("@/lib/tasks/registry")).taskHandlerRegister("test.fails", async () => {
    throw new Error("the operation broke on purpose");
  });
});

afterAll(async () => {
  if (tasks) await (await import("@/lib/tasks/workers")).taskWorkersStop({ graceMs: 1000 });
  await f?.teardown();
});

describe("tasks", () => {
  it("a task queued while no worker runs is kept and runs once workers start", async () => {
    const queued = await tasks.taskEnqueue(admin, { kind: "test.steps", title: "queued early", input: { steps: 2 } });
    expect(queued.status).toBe("queued");
    await new Promise((r) => setTimeout(r, 1500));
    expect((await tasks.taskGet(admin, queued.id)).status).toBe("queued");
    await (await import("@/lib/tasks/workers")).taskWorkersStart({ concurrency: 2, pollingIntervalSeconds: 0.5 });
    await until("the task starts", () => gates.has(queued.id), { timeoutMs: 15_000 });
    gates.get(queued.id)!();
    const done = await until(
      "the task finishes",
      async () => {
        const t = await tasks.taskGet(admin, queued.id);
        return t.status === "succeeded" && t;
      },
      { timeoutMs: 15_000 },
    );
    expect(done.result).toEqual({ steps: 2 });
  });

  it("keeps a task's title message key and arguments next to its English title, and cuts the title at 300", async () => {
    const long = "x".repeat(400);
    const t = await tasks.taskEnqueue(admin, {
      kind: "test.steps",
      title: long,
      titleMessage: { key: "titles.storageUpload", params: { name: "a <b>.iso", pool: "default" } },
      input: { steps: 1 },
    });
    expect(t).toMatchObject({
      title: "x".repeat(300),
      titleKey: "titles.storageUpload",
      titleParams: { name: "a <b>.iso", pool: "default" },
    });
    const read = await tasks.taskGet(admin, t.id);
    expect(read).toMatchObject({
      titleKey: "titles.storageUpload",
      titleParams: { name: "a <b>.iso", pool: "default" },
    });
    expect((await tasks.taskList(admin, {})).find((x) => x.id === t.id)).toMatchObject({
      titleKey: "titles.storageUpload",
    });
    await until("the task waits", () => gates.has(t.id), { timeoutMs: 15_000 });
    gates.get(t.id)!();
  });

  it("runs a task with progress, message and log lines, visible to its owner and admins only", async () => {
    const t = await tasks.taskEnqueue(operator, { kind: "test.steps", title: "three steps", input: { steps: 3 } });
    expect(t).toMatchObject({
      kind: "test.steps",
      title: "three steps",
      titleKey: null,
      titleParams: null,
      status: "queued",
      userId: operator.principal.user.id,
      cancellable: false,
    });
    await until("the task waits after step 1", () => gates.has(t.id), { timeoutMs: 15_000 });
    const mid = await until("progress is recorded", async () => {
      const d = await tasks.taskGet(operator, t.id);
      return d.status === "running" && d.logs.length === 1 && d;
    });
    expect(mid.progress).toBeCloseTo(33.3, 0);
    expect(mid).toMatchObject({ message: "step 1 of 3", messageKey: null, messageParams: null });
    expect(mid.startedAt).not.toBeNull();
    gates.get(t.id)!();
    const done = await until(
      "the task succeeds",
      async () => {
        const d = await tasks.taskGet(operator, t.id);
        return d.status === "succeeded" && d;
      },
      { timeoutMs: 10_000 },
    );
    expect(done.progress).toBe(100);
    expect(done.result).toEqual({ steps: 3 });
    expect(done.logs.map((l) => l.line)).toEqual(["did step 1", "did step 2", "did step 3"]);
    // Plain-English lines and messages have no key: the browser shows them as they are.
    expect(done.logs.map((l) => [l.lineKey, l.lineParams])).toEqual([
      [null, null],
      [null, null],
      [null, null],
    ]);
    expect(done.finishedAt).not.toBeNull();

    // Visibility: the operator's own list has it; another operator's does not; admins see all.
    const other = await userCaller("task.other", "operator");
    expect((await tasks.taskList(operator)).map((x) => x.id)).toContain(t.id);
    expect((await tasks.taskList(other)).map((x) => x.id)).not.toContain(t.id);
    await expect(tasks.taskGet(other, t.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(tasks.taskCancel(other, t.id)).rejects.toMatchObject({ code: "not_found" });
    expect((await tasks.taskList(admin)).map((x) => x.id)).toContain(t.id);
    // Live-update style query: only rows changed after a point.
    const since = await tasks.taskList(admin, { since: new Date(Date.now() + 60_000) });
    expect(since).toEqual([]);
  });

  it("pushes live updates of visible tasks only (the SSE stream's source)", async () => {
    const live = await import("@/lib/tasks/live");
    const other = await userCaller("task.watcher", "operator");
    const seenByOperator: string[] = [];
    const seenByOther: string[] = [];
    const seenByAdmin: { id: string; status: string }[] = [];
    const stops = [
      live.taskUpdatesSubscribe(operator.principal, (ts) => seenByOperator.push(...ts.map((x) => x.id))),
      live.taskUpdatesSubscribe(other.principal, (ts) => seenByOther.push(...ts.map((x) => x.id))),
      live.taskUpdatesSubscribe(admin.principal, (ts) =>
        seenByAdmin.push(...ts.map((x) => ({ id: x.id, status: x.status }))),
      ),
    ];
    try {
      const t = await tasks.taskEnqueue(operator, { kind: "test.steps", title: "watched", input: { steps: 1 } });
      await until("the task runs", () => gates.has(t.id), { timeoutMs: 15_000 });
      gates.get(t.id)!();
      await until(
        "the admin sees it succeed",
        () => seenByAdmin.some((x) => x.id === t.id && x.status === "succeeded"),
        { timeoutMs: 10_000 },
      );
      expect(seenByOperator).toContain(t.id);
      expect(seenByOther).not.toContain(t.id);
    } finally {
      for (const sub of stops) sub.stop();
    }
  });

  it("records a failing handler's error", async () => {
    const t = await tasks.taskEnqueue(admin, { kind: "test.fails", title: "breaks", input: {} });
    const done = await until(
      "the task fails",
      async () => {
        const d = await tasks.taskGet(admin, t.id);
        return d.status === "failed" && d;
      },
      { timeoutMs: 10_000 },
    );
    expect(done.error).toBe("the operation broke on purpose");
    expect(done.logs.at(-1)).toMatchObject({
      line: "error: the operation broke on purpose",
      lineKey: "lines.error",
      lineParams: { error: "the operation broke on purpose" },
    });
  });

  it("writes a failed task to the server log (id, kind, error), never its input", async () => {
    const { loggerCreate, loggerReplace } = await import("@/lib/log");
    const { Writable } = await import("node:stream");
    const lines: string[] = [];
    const stream = new Writable({
      write: (c, _e, done) => (lines.push(...String(c).split("\n").filter(Boolean)), done()),
    });
    const previous = loggerReplace(loggerCreate("info", stream as unknown as Parameters<typeof loggerCreate>[1]));
    try {
      const t = await tasks.taskEnqueue(admin, {
        kind: "test.fails",
        title: "breaks",
        input: { password: "task-input-secret" },
      });
      await until("the task fails", async () => (await tasks.taskGet(admin, t.id)).status === "failed", {
        timeoutMs: 10_000,
      });
      const line = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.taskId === t.id && l.msg === "task failed");
      expect(line).toMatchObject({
        level: 50,
        component: "tasks",
        kind: "test.fails",
        error: "the operation broke on purpose",
      });
      expect(lines.join("\n")).not.toContain("task-input-secret");
    } finally {
      if (previous) loggerReplace(previous);
    }
  });

  it("cancels a running task through its signal, and refuses to cancel what cannot be", async () => {
    const t = await tasks.taskEnqueue(operator, { kind: "test.wait-cancel", title: "wait", input: {} });
    await until("the task runs", async () => (await tasks.taskGet(operator, t.id)).message === "waiting", {
      timeoutMs: 15_000,
    });
    const asked = await tasks.taskCancel(operator, t.id);
    expect(asked.cancelRequested).toBe(true);
    const done = await until("the task is cancelled", async () => {
      const d = await tasks.taskGet(operator, t.id);
      return d.status === "cancelled" && d;
    });
    expect(done.finishedAt).not.toBeNull();
    await expect(tasks.taskCancel(operator, t.id)).rejects.toMatchObject({ code: "invalid_state" });
    expect((await f.auditActions("task.cancel")).map((a) => a.targetId)).toContain(t.id);

    const steps = await tasks.taskEnqueue(admin, { kind: "test.steps", title: "not cancellable", input: { steps: 1 } });
    await expect(tasks.taskCancel(admin, steps.id)).rejects.toMatchObject({ code: "invalid_state" });
    await until("it ran", () => gates.has(steps.id), { timeoutMs: 15_000 });
    gates.get(steps.id)!();
  });

  it("cancels a queued task before any worker takes it", async () => {
    await (await import("@/lib/tasks/workers")).taskWorkersStop({ graceMs: 1000 });
    const t = await tasks.taskEnqueue(admin, { kind: "test.wait-cancel", title: "never runs", input: {} });
    const c = await tasks.taskCancel(admin, t.id);
    expect(c.status).toBe("cancelled");
    await (await import("@/lib/tasks/workers")).taskWorkersStart({ concurrency: 2, pollingIntervalSeconds: 0.5 });
    await new Promise((r) => setTimeout(r, 2000));
    const d = await tasks.taskGet(admin, t.id);
    expect(d.status).toBe("cancelled");
    expect(d.startedAt).toBeNull();
  });

  it("a task queued on this instance starts at once, not at the workers' next poll", async () => {
    await (await import("@/lib/tasks/workers")).taskWorkersStop({ graceMs: 1000 });
    // Pollers that would wait 20 s between fetches: only the wake-up can start the tasks sooner.
    await (await import("@/lib/tasks/workers")).taskWorkersStart({ concurrency: 2, pollingIntervalSeconds: 20 });
    try {
      // Let both workers make their first (empty) fetch and go to sleep.
      await new Promise((r) => setTimeout(r, 1500));
      for (let i = 0; i < 3; i++) {
        const t = await tasks.taskEnqueue(admin, { kind: "test.steps", title: `woken ${i}`, input: { steps: 1 } });
        await until(`task ${i} starts`, () => gates.has(t.id), { timeoutMs: 5_000 });
        const d = await tasks.taskGet(admin, t.id);
        expect(new Date(d.startedAt!).getTime() - new Date(d.createdAt).getTime()).toBeLessThan(3_000);
        gates.get(t.id)!();
        await until(`task ${i} ends`, async () => (await tasks.taskGet(admin, t.id)).status === "succeeded", {
          timeoutMs: 10_000,
        });
      }
    } finally {
      await (await import("@/lib/tasks/workers")).taskWorkersStop({ graceMs: 1000 });
      await (await import("@/lib/tasks/workers")).taskWorkersStart({ concurrency: 2, pollingIntervalSeconds: 0.5 });
    }
  });
});

describe("tasks across an app restart", () => {
  function instance(): { child: ChildProcess; running: Promise<string> } {
    const root = path.resolve(import.meta.dirname, "../..");
    // node itself with tsx's loader (the tsx CLI would run the script in a grandchild that a
    // SIGKILL of the CLI leaves running).
    const child = spawn(process.execPath, ["--import", "tsx", "tests/integration/helpers/task-instance.ts"], {
      cwd: root,
      env: {
        ...process.env,
        TSX_TSCONFIG_PATH: "tsconfig.server.json",
        VD_TASK_USER_ID: admin.principal.user.id,
        VD_TASK_USERNAME: admin.principal.user.username,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
    const running = new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (b: Buffer) => {
        out += b.toString();
        const m = /running ([0-9a-f-]{36})/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on("exit", (code) => reject(new Error(`instance exited (${code}) before its task ran: ${err}`)));
    });
    return { child, running };
  }
  const exited = (c: ChildProcess) =>
    new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once("exit", () => r())));
  /**
   * Hands the database to another instance (PGlite opens its directory in one process at a time),
   * waits until it runs its task, stops it with `signal`, and takes the database back.
   */
  async function otherInstanceStopped(signal: NodeJS.Signals): Promise<{ taskId: string; child: ChildProcess }> {
    await (await import("@/lib/tasks/workers")).taskWorkersStop({ graceMs: 1000 });
    const { closeDatabase, prepareDatabase } = await import("@/lib/db/client");
    await closeDatabase();
    const other = instance();
    const taskId = await other.running;
    other.child.kill(signal);
    await exited(other.child);
    await prepareDatabase();
    return { taskId, child: other.child };
  }

  it("a task whose instance was killed is resolved as failed, with the reason, when the app starts again", async () => {
    const { taskId } = await otherInstanceStopped("SIGKILL");
    const before = await tasks.taskGet(admin, taskId);
    expect(before.status).toBe("running"); // what a crash leaves behind
    expect(before.progress).toBe(40);
    await (await import("@/lib/tasks/workers")).taskWorkersStart({ concurrency: 2, pollingIntervalSeconds: 0.5 });
    const after = await tasks.taskGet(admin, taskId);
    expect(after.status).toBe("failed");
    expect(after.error).toMatch(/^Interrupted: the virtdeck instance running it \(.+\) stopped/);
    expect(after.finishedAt).not.toBeNull();
    expect(after.logs.map((l) => l.line)).toContain("holding until stopped");
    // The interruption's line: its English (the task's error) and its message key + arguments.
    expect(after.logs).toContainEqual(
      expect.objectContaining({
        line: `error: ${after.error}`,
        lineKey: "lines.interrupted",
        lineParams: { worker: expect.any(String), heard: expect.any(String) },
      }),
    );
  });

  it("a stale heartbeat from another machine's instance is resolved by the periodic sweep", async () => {
    const { db } = await import("@/lib/db/client");
    const id = crypto.randomUUID();
    const old = new Date(Date.now() - (await import("@/lib/tasks/registry")).STALE_AFTER_MS - 5_000);
    await db().task.create({
      data: {
        id,
        kind: "test.steps",
        title: "elsewhere",
        status: "running",
        workerId: "other-host:123:abcdef01",
        heartbeatAt: old,
        startedAt: old,
        userId: admin.principal.user.id,
      },
    });
    const fresh = crypto.randomUUID();
    await db().task.create({
      data: {
        id: fresh,
        kind: "test.steps",
        title: "alive elsewhere",
        status: "running",
        workerId: "other-host:124:abcdef02",
        heartbeatAt: new Date(),
        userId: admin.principal.user.id,
      },
    });
    expect(await (await import("@/lib/tasks/liveness")).taskSweepInterrupted()).toEqual([id]);
    expect((await tasks.taskGet(admin, id)).status).toBe("failed");
    expect((await tasks.taskGet(admin, fresh)).status).toBe("running");
    await db().task.delete({ where: { id: fresh } });
  });

  it("stopping an instance (SIGTERM) fails its running task with the reason instead of leaving it running", async () => {
    const { taskId, child } = await otherInstanceStopped("SIGTERM");
    expect(child.exitCode).toBe(0);
    const t = await tasks.taskGet(admin, taskId);
    expect(t.status).toBe("failed");
    expect(t.error).toBe("virtdeck stopped while this task was running");
    await (await import("@/lib/tasks/workers")).taskWorkersStart({ concurrency: 1, pollingIntervalSeconds: 0.5 });
  });
});
