// virtdeck's HTTP server: Next.js plus the websocket upgrades that route
// handlers cannot take. Run with `npm start` (production) or `npm run dev`.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import next from "next";
import { env } from "@/lib/env";
import { childLogger, logger, type Logger } from "@/lib/log";
import { requestLogPath } from "@/lib/http/request-log";
import { closeDatabase, prepareDatabase } from "@/lib/db/client";
import { upgradeClient, upgradeRouteFind, upgradeRouteRegister } from "@/lib/ws/upgrade-router";
import { PEER_HEADER } from "@/lib/http/client-address";
import { REQUEST_HEAD_MAX_BYTES, bodyAbandonWhenAnswered, requestTooLarge } from "@/lib/http/request-guard";
import { pageWhenDatabaseDown } from "@/lib/http/database-down-page";
import { fleetCloseAll } from "@/lib/fleet/runtime";
import { consoleConnect, consoleUpgrade, consolesCloseAll } from "@/lib/consoles/proxy";
import { taskWorkersStart, taskWorkersStop } from "@/lib/tasks/workers";
import { partialVolumesStop, partialVolumesSweepStart } from "@/lib/storage/partial-volumes";
import { housekeepingStart } from "@/lib/tasks/housekeeping";
import { backupJobsStart } from "@/lib/backup/jobs";
import { snapshotSchedulerStart } from "@/lib/snapshots/schedules";
import "@/lib/tasks/handlers";

const dev = process.argv.includes("--dev");

/**
 * Route handlers cannot see the TCP peer, so the server passes it on in a header
 * of its own, overwriting whatever the client sent under that name.
 */
function stampPeer(req: IncomingMessage) {
  req.headers[PEER_HEADER] = req.socket.remoteAddress ?? "";
}

/** Header carrying the request id: set by this server (a client's value is overwritten), answered back. */
const REQUEST_ID_HEADER = "x-request-id";

/**
 * Gives the request an id of ours (route handlers read it from the header to tag their lines),
 * returns it in the response, and logs one line when the response is done: method, path without
 * its query string, status, duration. Never headers or the body.
 */
function requestLogStart(httpLog: Logger, req: IncomingMessage, res: ServerResponse) {
  const reqId = randomUUID();
  req.headers[REQUEST_ID_HEADER] = reqId;
  res.setHeader(REQUEST_ID_HEADER, reqId);
  const started = process.hrtime.bigint();
  res.once("close", () => {
    const ms = Number((process.hrtime.bigint() - started) / 1000n) / 1000;
    const line = { reqId, method: req.method, path: requestLogPath(req.url), status: res.statusCode, ms };
    httpLog.info(res.writableFinished ? line : { ...line, aborted: true }, "request");
  });
}

/** A websocket upgrade (or CONNECT): path only, with an id of its own. */
function upgradeLog(httpLog: Logger, req: IncomingMessage, kind: "upgrade" | "connect") {
  const reqId = randomUUID();
  req.headers[REQUEST_ID_HEADER] = reqId;
  httpLog.info({ reqId, method: req.method, path: kind === "connect" ? "(connect)" : requestLogPath(req.url) }, kind);
}

async function main() {
  const { HOST, PORT } = env();
  const migrations = await prepareDatabase();
  const log = logger();
  const httpLog = childLogger("http");
  for (const w of migrations.warnings) log.warn(`warning: ${w}`);
  if (migrations.applied.length) log.info(`Applied migrations: ${migrations.applied.join(", ")}`);
  // Task workers (pg-boss); tasks a stopped instance left "running" are resolved here.
  await taskWorkersStart();
  // Expired sessions, tickets, challenges and rate-limit buckets: a cron schedule on the same queue.
  await housekeepingStart();
  // Backup jobs' cron schedules (pg-boss) and this instance's workers for them.
  await backupJobsStart();
  // Scheduled snapshots: a minute tick on the same queue queues the runs that are due.
  await snapshotSchedulerStart();
  // Partial volumes (uploads) a dead instance left on hosts: removed now (in the background) and every minute.
  void partialVolumesSweepStart();

  upgradeRouteRegister("/ws/console", consoleUpgrade);

  const app = next({ dev, hostname: HOST, port: PORT });
  await app.prepare();
  const handle = app.getRequestHandler();
  const nextUpgrade = app.getUpgradeHandler();

  const handleRequest = (req: IncomingMessage, res: ServerResponse) => {
    stampPeer(req);
    bodyAbandonWhenAnswered(req, res);
    if (requestTooLarge(req, res)) return;
    // A page while the database is down: 503 naming it, before Next renders (lib/http/database-down-page.ts).
    void pageWhenDatabaseDown(req, res)
      .then((answered) => (answered ? undefined : handle(req, res)))
      .catch((err) => {
        log.error({ err, reqId: req.headers[REQUEST_ID_HEADER] }, "request failed");
        if (!res.headersSent) res.statusCode = 500;
        res.end();
      });
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    requestLogStart(httpLog, req, res);
    handleRequest(req, res);
  };
  // Request heads (also CONNECT's) are bounded: past 16 KiB Node answers 431 and closes.
  const server = createServer({ maxHeaderSize: REQUEST_HEAD_MAX_BYTES }, onRequest);
  // `Expect: 100-continue`: a body over its budget is refused before the client is invited to send it.
  server.on("checkContinue", (req, res) => {
    requestLogStart(httpLog, req, res);
    if (requestTooLarge(req, res)) return;
    res.writeContinue();
    handleRequest(req, res);
  });
  server.on("upgrade", (req, socket, head) => {
    stampPeer(req);
    upgradeLog(httpLog, req, "upgrade");
    const own = upgradeRouteFind(req.url);
    if (own) own(req, socket, head);
    else
      nextUpgrade(req, socket, head).catch((err) => {
        // Next's own upgrades (dev HMR): a failure closes that socket, never the server.
        log.error({ err, reqId: req.headers[REQUEST_ID_HEADER] }, "upgrade failed");
        socket.destroy();
      });
  });

  // Native SPICE viewers reach consoles through the app itself: a .vv file names it as their HTTP proxy.
  server.on("connect", (req, socket, head) => {
    stampPeer(req);
    upgradeLog(httpLog, req, "connect");
    consoleConnect(req, socket, head, upgradeClient(req));
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    server.close();
    server.closeAllConnections();
    consolesCloseAll();
    partialVolumesStop();
    taskWorkersStop()
      .catch((err) => log.error({ err }, "stopping tasks failed"))
      .finally(() => {
        fleetCloseAll();
        closeDatabase()
          .catch((err) => log.error({ err }, "closing the database failed"))
          .finally(() => process.exit(0));
      });
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));

  server.listen(PORT, HOST, () => {
    log.info({ host: HOST, port: PORT, dev }, `virtdeck ${dev ? "(dev) " : ""}listening on http://${HOST}:${PORT}`);
  });
}

main().catch(async (err) => {
  console.error(err instanceof Error ? err.message : err);
  await closeDatabase();
  process.exit(1);
});
