import { z } from "zod";

/** Every error the API returns has one of these codes; the HTTP status follows from it. */
export type ErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "invalid_input"
  | "csrf_failed"
  | "rate_limited"
  | "setup_done"
  | "host_not_ready"
  | "host_unreachable"
  | "host_error"
  | "invalid_state"
  | "action_failed"
  | "console_held"
  | "console_full"
  | "quota_exceeded"
  | "database_unavailable"
  | "internal";

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid_input: 422,
  csrf_failed: 403,
  rate_limited: 429,
  setup_done: 409,
  host_not_ready: 409,
  host_unreachable: 502,
  host_error: 502,
  invalid_state: 409,
  action_failed: 409,
  console_held: 409,
  console_full: 409,
  /** A quota (lib/provisioning/quota.ts) does not leave room for what was asked. */
  quota_exceeded: 403,
  /** PostgreSQL is down or unreachable (lib/db/unavailable.ts): nothing was done, try again later. */
  database_unavailable: 503,
  internal: 500,
};

export interface FieldIssue {
  path: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: { issues?: FieldIssue[]; retryAfterSeconds?: number; data?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = "AppError";
  }

  get status(): number {
    return STATUS[this.code];
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

export function fromZodError(err: z.ZodError): AppError {
  const issues = err.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  const first = issues[0];
  const message = first ? (first.path ? `${first.path}: ${first.message}` : first.message) : "Invalid input";
  return new AppError("invalid_input", message, { issues });
}

/** The JSON body of an error response: what the browser and API clients see. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; issues?: FieldIssue[] } & Record<string, unknown>;
}

/** Maps any thrown value to a safe response body: unknown errors leak nothing. */
export function toErrorBody(err: unknown): { status: number; body: ErrorBody; headers: Record<string, string> } {
  const appErr = err instanceof z.ZodError ? fromZodError(err) : isAppError(err) ? err : null;
  if (!appErr) {
    return { status: 500, body: { error: { code: "internal", message: "Internal error" } }, headers: {} };
  }
  const headers: Record<string, string> = {};
  if (appErr.extra.retryAfterSeconds) headers["retry-after"] = String(appErr.extra.retryAfterSeconds);
  return {
    status: appErr.status,
    body: {
      error: {
        ...appErr.extra.data,
        code: appErr.code,
        message: appErr.message,
        ...(appErr.extra.issues ? { issues: appErr.extra.issues } : {}),
      },
    },
    headers,
  };
}
