// `npm start`: builds the app when no production build exists yet, then runs
// the custom server in production mode. No configuration is required.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);

if (!existsSync(path.join(root, ".next", "BUILD_ID")) || process.env.VIRTDECK_REBUILD === "1") {
  console.log("No production build found: running `next build` once (about a minute)...");
  const r = spawnSync(bin("next"), ["build"], { cwd: root, stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const child = spawn(bin("tsx"), ["--tsconfig", "tsconfig.server.json", "server.ts"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, NODE_ENV: "production" },
});
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
