import { describe, expect, it } from "vitest";
import { AppError, toErrorBody } from "@/lib/http/errors";
import { databaseErrorMap, dbRetry, isDatabaseUnavailable } from "./unavailable";

const prismaUnreachable = Object.assign(new Error("Invalid `db().user.findMany()` invocation"), {
  code: "P1001",
  meta: { driverAdapterError: { name: "DriverAdapterError", cause: { kind: "DatabaseNotReachable" } } },
});
const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
const dropped = new Error("Connection terminated unexpectedly");
const shutdown = Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" });
const unique = Object.assign(new Error("Unique constraint failed"), {
  code: "P2002",
  meta: { driverAdapterError: { cause: { kind: "UniqueConstraintViolation" } } },
});

describe("isDatabaseUnavailable", () => {
  it.each([
    ["Prisma P1001 (adapter: DatabaseNotReachable)", prismaUnreachable],
    ["a refused connection", refused],
    ["a dropped connection", dropped],
    ["the server shutting down", shutdown],
    ["an outage wrapped as a cause", new Error("task failed", { cause: dropped })],
    ["the 503 itself", new AppError("database_unavailable", "down")],
  ])("true for %s", (_, err) => expect(isDatabaseUnavailable(err)).toBe(true));

  it.each([
    ["a unique violation", unique],
    ["an app error", new AppError("not_found", "No such task")],
    ["a plain error", new Error("the operation broke")],
    ["not an error", "text"],
  ])("false for %s", (_, err) => expect(isDatabaseUnavailable(err)).toBe(false));
});

describe("databaseErrorMap", () => {
  it("turns an outage into a 503 naming the database, with its message key", () => {
    const { status, body, headers } = toErrorBody(databaseErrorMap(dropped));
    expect(status).toBe(503);
    expect(body.error).toMatchObject({
      code: "database_unavailable",
      message: expect.stringMatching(/database \(PostgreSQL\) is unavailable/),
      messageKey: { key: "errors.databaseUnavailable" },
    });
    expect(headers["retry-after"]).toBe("5");
  });

  it("leaves other errors as they are (an unknown one stays a 500)", () => {
    expect(databaseErrorMap(unique)).toBe(unique);
    expect(toErrorBody(databaseErrorMap(new Error("boom"))).status).toBe(500);
  });
});

describe("dbRetry", () => {
  it("retries while the database is unavailable, then returns", async () => {
    let calls = 0;
    const v = await dbRetry(async () => {
      if (++calls < 3) throw dropped;
      return "written";
    });
    expect([v, calls]).toEqual(["written", 3]);
  });

  it("rethrows another error at once, and the outage when told to give up", async () => {
    let calls = 0;
    await expect(dbRetry(async () => (calls++, Promise.reject(unique)))).rejects.toBe(unique);
    expect(calls).toBe(1);
    await expect(dbRetry(() => Promise.reject(refused), { giveUp: () => true })).rejects.toBe(refused);
  });
});
