// virtdeck's HTTP server: Next.js plus the websocket upgrades that route
// handlers cannot take. Run with `npm start` (production) or `npm run dev`.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import next from "next";
import { env } from "@/lib/env";
import { closeDatabase, prepareDatabase } from "@/lib/db/client";
import { upgradeRouteFind, upgradeRouteRegister } from "@/lib/ws/upgrade-router";
import { PEER_HEADER } from "@/lib/http/client-address";
import { REQUEST_HEAD_MAX_BYTES, bodyAbandonWhenAnswered, requestTooLarge } from "@/lib/http/request-guard";
import { fleetCloseAll } from "@/lib/fleet/runtime";
import { consoleConnect, consoleUpgrade, consolesCloseAll } from "@/lib/consoles/proxy";
import { taskWorkersStart, taskWorkersStop } from "@/lib/tasks/tasks";
import { housekeepingStart } from "@/lib/tasks/housekeeping";
import "@/lib/tasks/handlers";

const dev = process.argv.includes("--dev");

/**
 * Route handlers cannot see the TCP peer, so the server passes it on in a header
 * of its own, overwriting whatever the client sent under that name.
 */
function stampPeer(req: IncomingMessage) {
  req.headers[PEER_HEADER] = req.socket.remoteAddress ?? "";
}

async function main() {
  const { HOST, PORT } = env();
  const migrations = await prepareDatabase();
  for (const w of migrations.warnings) console.warn(`warning: ${w}`);
  if (migrations.applied.length) console.log(`Applied migrations: ${migrations.applied.join(", ")}`);
  // Task workers (pg-boss); tasks a stopped instance left "running" are resolved here.
  await taskWorkersStart();
  // Expired sessions, tickets, challenges and rate-limit buckets: a cron schedule on the same queue.
  await housekeepingStart();

  upgradeRouteRegister("/ws/console", consoleUpgrade);

  const app = next({ dev, hostname: HOST, port: PORT });
  await app.prepare();
  const handle = app.getRequestHandler();
  const nextUpgrade = app.getUpgradeHandler();

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    stampPeer(req);
    bodyAbandonWhenAnswered(req, res);
    if (requestTooLarge(req, res)) return;
    handle(req, res).catch((err) => {
      console.error("request failed", err);
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  };
  // Request heads (also CONNECT's) are bounded: past 16 KiB Node answers 431 and closes.
  const server = createServer({ maxHeaderSize: REQUEST_HEAD_MAX_BYTES }, onRequest);
  // `Expect: 100-continue`: a body over its budget is refused before the client is invited to send it.
  server.on("checkContinue", (req, res) => {
    if (requestTooLarge(req, res)) return;
    res.writeContinue();
    onRequest(req, res);
  });
  server.on("upgrade", (req, socket, head) => {
    stampPeer(req);
    const own = upgradeRouteFind(req.url);
    if (own) own(req, socket, head);
    else nextUpgrade(req, socket, head);
  });

  // Native SPICE viewers reach consoles through the app itself: a .vv file names it as their HTTP proxy.
  server.on("connect", (req, socket, head) => {
    stampPeer(req);
    consoleConnect(req, socket, head);
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    server.close();
    server.closeAllConnections();
    consolesCloseAll();
    taskWorkersStop()
      .catch((err) => console.error(`stopping tasks: ${err instanceof Error ? err.message : err}`))
      .finally(() => {
        fleetCloseAll();
        closeDatabase().finally(() => process.exit(0));
      });
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));

  server.listen(PORT, HOST, () => {
    console.log(`virtdeck ${dev ? "(dev) " : ""}listening on http://${HOST}:${PORT}`);
  });
}

main().catch(async (err) => {
  console.error(err instanceof Error ? err.message : err);
  await closeDatabase();
  process.exit(1);
});
