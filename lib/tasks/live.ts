import "server-only";
import type { Principal } from "@/lib/authz";
import { EventEmitter } from "node:events";
import { db } from "@/lib/db/client";
import type { TaskView } from "@/lib/contracts/tasks";
import { taskSeesAll, toTaskView } from "./tasks";

/**
 * Live task updates for browsers. Whichever instance runs a task writes its row;
 * every instance polls PostgreSQL once a second for rows changed since its last
 * look (only while someone is listening) and fans them out to its own SSE
 * subscribers. The database is the only thing instances share.
 */
const POLL_MS = 1_000;
/** Rows are re-read this far back, against clock skew between instances. */
const OVERLAP_MS = 3_000;

interface LiveState {
  bus: EventEmitter;
  timer: NodeJS.Timeout | null;
  cursor: Date;
  /** id -> updatedAt (ms) already sent, for rows inside the overlap window. */
  seen: Map<string, number>;
  subscribers: number;
}

const KEY = Symbol.for("virtdeck.tasks.live");
type Holder = { [KEY]?: LiveState };

function state(): LiveState {
  const holder = globalThis as unknown as Holder;
  if (!holder[KEY]) {
    const bus = new EventEmitter();
    bus.setMaxListeners(0);
    holder[KEY] = { bus, timer: null, cursor: new Date(), seen: new Map(), subscribers: 0 };
  }
  return holder[KEY];
}

async function poll(s: LiveState): Promise<void> {
  const from = new Date(s.cursor.getTime() - OVERLAP_MS);
  const rows = await db().task.findMany({
    where: { updatedAt: { gt: from } },
    orderBy: { updatedAt: "asc" },
    take: 500,
  });
  const changed: TaskView[] = [];
  for (const r of rows) {
    const t = r.updatedAt.getTime();
    if (s.seen.get(r.id) === t) continue;
    s.seen.set(r.id, t);
    changed.push(toTaskView(r));
    if (t > s.cursor.getTime()) s.cursor = r.updatedAt;
  }
  const horizon = s.cursor.getTime() - OVERLAP_MS;
  for (const [id, t] of s.seen) if (t < horizon) s.seen.delete(id);
  if (changed.length) s.bus.emit("changed", changed);
}

function startPolling(s: LiveState): void {
  if (s.timer) return;
  s.cursor = new Date();
  s.seen.clear();
  let busy = false;
  s.timer = setInterval(() => {
    if (busy) return;
    busy = true;
    poll(s)
      .catch((err) => console.error(`task updates: ${err instanceof Error ? err.message : err}`))
      .finally(() => (busy = false));
  }, POLL_MS);
  s.timer.unref();
}

/**
 * Calls `onTasks` with the tasks visible to the principal that changed (created, progressed,
 * finished). Returns the unsubscribe function and `refresh`, which re-asks whether the principal
 * sees everyone's tasks: the stream runs it on every caller re-check tick (lib/auth/caller-watch.ts),
 * so a privilege taken away applies to an open stream too.
 */
export function taskUpdatesSubscribe(
  principal: Principal,
  onTasks: (tasks: TaskView[]) => void,
): { stop: () => void; refresh: () => Promise<void> } {
  const s = state();
  s.subscribers++;
  startPolling(s);
  // Everyone's tasks with effective user.manage globally (taskSeesAll); until that answer arrives, only their own.
  let admin = false;
  const refresh = () =>
    taskSeesAll(principal).then(
      (yes) => void (admin = yes),
      (err) => {
        admin = false;
        throw err;
      },
    );
  refresh().catch(() => {});
  const listener = (tasks: TaskView[]) => {
    const mine = admin ? tasks : tasks.filter((t) => t.userId === principal.user.id);
    if (mine.length) onTasks(mine);
  };
  s.bus.on("changed", listener);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    s.bus.off("changed", listener);
    s.subscribers--;
    if (s.subscribers <= 0 && s.timer) {
      clearInterval(s.timer);
      s.timer = null;
      s.subscribers = 0;
    }
  };
  return { stop, refresh };
}
