import { z } from "zod";
import path from "node:path";
import { isIP } from "node:net";

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

/** Every environment variable virtdeck reads. Documented in .env.example. */
export const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** PostgreSQL URL. When unset, an embedded PGlite database under VIRTDECK_DATA_DIR is used. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql://")
    .optional(),
  VIRTDECK_DATA_DIR: z.string().min(1).default("./data"),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  VIRTDECK_SESSION_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 90)
    .default(12),
  /** "auto" marks cookies Secure when the request arrived over HTTPS. */
  VIRTDECK_COOKIE_SECURE: z.enum(["auto", "true", "false"]).default("auto"),
  /** Trust X-Forwarded-For / X-Forwarded-Proto from a reverse proxy. */
  VIRTDECK_TRUST_PROXY: bool.default(false),
  /**
   * With VIRTDECK_TRUST_PROXY: the proxies (addresses or CIDRs, comma-separated) whose
   * X-Forwarded-* headers count. Default: loopback only.
   */
  VIRTDECK_TRUSTED_PROXIES: z
    .string()
    .default("127.0.0.0/8,::1")
    .refine(
      (v) =>
        v
          .split(/[\s,]+/)
          .filter(Boolean)
          .every((e) => isIP(e.split("/")[0]) !== 0),
      "list IP addresses or CIDRs, e.g. 10.0.0.0/8,::1",
    ),
  VIRTDECK_LOGIN_MAX_PER_ACCOUNT: z.coerce.number().int().positive().default(5),
  VIRTDECK_LOGIN_MAX_PER_IP: z.coerce.number().int().positive().default(20),
  VIRTDECK_LOGIN_WINDOW_SECONDS: z.coerce.number().int().positive().default(900),
  /** Failed second-factor (TOTP or recovery) codes per account / per address, in the login window. */
  VIRTDECK_TOTP_MAX_PER_ACCOUNT: z.coerce.number().int().positive().default(5),
  VIRTDECK_TOTP_MAX_PER_IP: z.coerce.number().int().positive().default(20),
  /** base64 of 32 bytes: encrypts SSH private keys at rest. Unset = VIRTDECK_SECRET_KEY_FILE. */
  VIRTDECK_SECRET_KEY: z.string().min(1).optional(),
  /**
   * Where the key is generated and read when VIRTDECK_SECRET_KEY is unset: outside the
   * database directory, so a copy of the database does not carry the key to its secrets.
   */
  VIRTDECK_SECRET_KEY_FILE: z.string().min(1).default("./secrets/secret.key"),
  /**
   * A fresh VNC password per console (valid ~1 minute, given to noVNC with the ticket) on displays
   * started with password auth. Off by default: such a display refuses viewers without it.
   */
  VIRTDECK_CONSOLE_VNC_PASSWORD: bool.default(false),
  /** Largest image a browser may upload to a storage pool, in bytes (default 20 GiB). */
  VIRTDECK_UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(20 * 1024 ** 3),
  /** Consoles one user may have open at once (their sessions, API tokens and share links together; all instances). */
  VIRTDECK_MAX_CONSOLES_PER_USER: z.coerce.number().int().positive().default(20),
  /** Live-update streams (/api/events, /api/tasks/stream) one user may have open at once, per instance. */
  VIRTDECK_MAX_STREAMS_PER_USER: z.coerce.number().int().positive().default(10),
  /** Bytes a console client may send before the guest's side is connected; past it the console closes. */
  VIRTDECK_CONSOLE_EARLY_INPUT_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(256 * 1024),
  /** Largest JSON request body of a signed-in route, in bytes (default 1 MiB). */
  VIRTDECK_JSON_BODY_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  /**
   * Minutes between housekeeping rounds (a pg-boss cron schedule, run by one instance per round):
   * expired sessions, console tickets, sign-in challenges and rate-limit buckets are deleted.
   */
  VIRTDECK_HOUSEKEEPING_MINUTES: z.coerce.number().int().min(1).max(59).default(10),
  /** Server log level (JSON lines on stdout): fatal, error, warn, info, debug, trace or silent. */
  VIRTDECK_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type Env = z.infer<typeof EnvSchema>;

let cached: Env | undefined;

/** Parses process.env once; exits with a readable message listing every bad variable. */
export function env(): Env {
  if (cached) return cached;
  const parsed = EnvSchema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid environment configuration:\n${lines.join("\n")}\nSee .env.example.`);
  }
  cached = parsed.data;
  return cached;
}

export function dataDir(): string {
  return path.resolve(env().VIRTDECK_DATA_DIR);
}

export function secretKeyFile(): string {
  return path.resolve(env().VIRTDECK_SECRET_KEY_FILE);
}
