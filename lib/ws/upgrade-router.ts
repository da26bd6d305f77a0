import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { clientAddress, requestIsHttps } from "@/lib/http/client-address";

/**
 * Websocket upgrade routing for the custom server. Features register a path
 * prefix (e.g. consoles under /ws/console); every other upgrade goes to Next
 * (its dev HMR socket lives at /_next/hmr).
 *
 * Who the client is (its address behind our trusted proxies, whether it used https) is a
 * delivery decision: it is resolved here, once, and handed to the feature's handler.
 */
export interface UpgradeClient {
  /** The caller's IP (lib/http/client-address.ts). */
  ip: string;
  /** The browser used https (X-Forwarded-Proto only from a trusted proxy). */
  https: boolean;
}

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, client: UpgradeClient) => void;
export type UpgradeEntry = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

const routes: { prefix: string; handler: UpgradeHandler }[] = [];

/** The client of an upgrade or CONNECT request, from its headers (the peer stamped by server.ts). */
export function upgradeClient(req: IncomingMessage): UpgradeClient {
  const headers = {
    get(name: string): string | null {
      const v = req.headers[name.toLowerCase()];
      return typeof v === "string" ? v : null;
    },
  };
  return { ip: clientAddress(headers), https: requestIsHttps(headers) };
}

export function upgradeRouteRegister(prefix: string, handler: UpgradeHandler): void {
  routes.push({ prefix, handler });
}

export function upgradeRouteFind(url: string | undefined): UpgradeEntry | undefined {
  const pathname = (url ?? "").split("?")[0];
  const handler = routes.find((r) => pathname === r.prefix || pathname.startsWith(`${r.prefix}/`))?.handler;
  return handler && ((req, socket, head) => handler(req, socket, head, upgradeClient(req)));
}
