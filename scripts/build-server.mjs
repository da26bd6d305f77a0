// Builds the custom server (server.ts and the lib/ code it imports) into one ES module,
// dist/server.mjs, that plain `node` runs: no TypeScript loader, no source maps held in memory,
// no extra processes. Packages from node_modules stay imports (resolved from dist/, inside the
// checkout). `npm start` runs this before it starts the server; `npm run build` runs it after
// `next build`. Plain JavaScript, so it runs before anything else is installed or built.
import { build, stop } from "esbuild";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const serverBundle = path.join(root, "dist", "server.mjs");

export async function buildServer() {
  await build({
    absWorkingDir: root,
    entryPoints: ["server.ts"],
    outfile: serverBundle,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    tsconfig: "tsconfig.server.json",
    // Outside Next's react-server environment `server-only` throws on import: the server gets
    // the same empty module tsx gives it through tsconfig.server.json.
    alias: { "server-only": "./lib/server-only-shim.ts" },
    // Bundled code that calls require() (CommonJS interop) gets one bound to the bundle.
    banner: {
      js: "import { createRequire as __virtdeckCreateRequire } from 'node:module'; const require = __virtdeckCreateRequire(import.meta.url);",
    },
    sourcemap: "linked",
    logLevel: "warning",
  });
  // The esbuild service process would otherwise live on next to the server.
  await stop();
  return serverBundle;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const t = Date.now();
  await buildServer();
  console.log(`built ${path.relative(root, serverBundle)} in ${Date.now() - t} ms`);
}
