import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError, toErrorBody } from "./errors";

describe("toErrorBody", () => {
  it("maps zod errors to 422 with field issues", () => {
    const r = z.object({ name: z.string() }).safeParse({ name: 3 });
    const out = toErrorBody(r.error);
    expect(out.status).toBe(422);
    expect(out.body.error.code).toBe("invalid_input");
    expect(out.body.error.issues?.[0].path).toBe("name");
  });

  it("keeps AppError codes, statuses and Retry-After", () => {
    const out = toErrorBody(new AppError("rate_limited", "Too many attempts", { retryAfterSeconds: 42 }));
    expect(out.status).toBe(429);
    expect(out.headers["retry-after"]).toBe("42");
  });

  it("never leaks the message of an unknown error", () => {
    const out = toErrorBody(new Error("password=hunter2 at db.internal"));
    expect(out.status).toBe(500);
    expect(JSON.stringify(out.body)).not.toContain("hunter2");
  });
});
