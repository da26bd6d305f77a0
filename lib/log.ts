import "server-only";
import { pino, type DestinationStream, type Level, type Logger } from "pino";
import { env } from "@/lib/env";

/**
 * The server's structured log: one JSON object per line on stdout (no transports, no worker
 * threads; pino writes synchronously), level from VIRTDECK_LOG_LEVEL. Shared through globalThis
 * because the custom server and Next's route bundles load separate copies of this module.
 *
 * Never log a request body, a header bag or a host record: the redact paths below are a second
 * line of defence, not a licence.
 */
export type { Logger } from "pino";

/** Field names whose values never reach a log line, at the top level and up to three levels down. */
const SECRET_FIELDS = [
  "password",
  "newPassword",
  "currentPassword",
  "privateKey",
  "secret",
  "token",
  "ticket",
  "csrfToken",
  "cookie",
  "authorization",
];
const SECRET_HEADERS = ["authorization", "cookie", "set-cookie", "x-csrf-token"];

export const REDACT_PATHS = [
  ...SECRET_HEADERS.flatMap((h) => [`req.headers["${h}"]`, `res.headers["${h}"]`, `headers["${h}"]`]),
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`, `*.*.*.${f}`]),
];

const KEY = Symbol.for("virtdeck.log");
type Holder = { [KEY]?: Logger };

function errSerialize(err: unknown) {
  const out = pino.stdSerializers.err(err as Error);
  return err instanceof Error && out && typeof out === "object" ? { ...out, type: err.name } : out;
}

/** A logger with virtdeck's settings; `destination` defaults to stdout, written synchronously. */
export function loggerCreate(level: Level | "silent", destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    // Errors as { type, message, stack } (pino's serializer), under "err"; the type is the error's
    // name (bundles minify class names: pino's own would say "a").
    serializers: { err: errSerialize },
  };
  return destination ? pino(options, destination) : pino(options, pino.destination({ dest: 1, sync: true }));
}

/** The root logger (created on first use, after the environment was validated). */
export function logger(): Logger {
  const holder = globalThis as unknown as Holder;
  holder[KEY] ??= loggerCreate(env().VIRTDECK_LOG_LEVEL);
  return holder[KEY];
}

/** A logger whose lines carry `component` (http, route, fleet, tasks, ...) and any other bindings. */
export function childLogger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return logger().child({ component, ...bindings });
}

/** Swaps the root logger (tests capture lines with loggerCreate(level, stream)); returns the previous one. */
export function loggerReplace(next: Logger): Logger | undefined {
  const holder = globalThis as unknown as Holder;
  const previous = holder[KEY];
  holder[KEY] = next;
  return previous;
}
