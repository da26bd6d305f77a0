// `npm start`: builds the app when no production build exists yet, builds the custom server
// (dist/server.mjs, well under a second), then runs it in this very process in production mode.
// No configuration is required. One Node process serves everything; a service manager can run
// `node scripts/start.mjs` (or, after `npm run build`, `node dist/server.mjs`) directly.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { buildServer, root } from "./build-server.mjs";

process.env.NODE_ENV = "production";

if (!existsSync(path.join(root, ".next", "BUILD_ID")) || process.env.VIRTDECK_REBUILD === "1") {
  console.log("No production build found: running `next build` once (about a minute)...");
  const r = spawnSync(path.join(root, "node_modules", ".bin", "next"), ["build"], {
    cwd: root,
    stdio: "inherit",
    env: process.env,
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const bundle = await buildServer();
process.chdir(root);
await import(pathToFileURL(bundle).href);
