import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

/**
 * Websocket upgrade routing for the custom server. Features register a path
 * prefix (e.g. consoles under /ws/console); every other upgrade goes to Next
 * (its dev HMR socket lives at /_next/hmr).
 */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

const routes: { prefix: string; handler: UpgradeHandler }[] = [];

export function upgradeRouteRegister(prefix: string, handler: UpgradeHandler): void {
  routes.push({ prefix, handler });
}

export function upgradeRouteFind(url: string | undefined): UpgradeHandler | undefined {
  const pathname = (url ?? "").split("?")[0];
  return routes.find((r) => pathname === r.prefix || pathname.startsWith(`${r.prefix}/`))?.handler;
}
