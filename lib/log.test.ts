import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { loggerCreate } from "./log";

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  return { lines, log: loggerCreate("debug", stream as unknown as Parameters<typeof loggerCreate>[1]) };
}

describe("server log", () => {
  it("writes one JSON object per line with level, time and message", () => {
    const { lines, log } = capture();
    log.child({ component: "http" }).info({ reqId: "r1", status: 200 }, "request");
    expect(lines).toHaveLength(1);
    const o = JSON.parse(lines[0]);
    expect(o).toMatchObject({ level: 30, component: "http", reqId: "r1", status: 200, msg: "request" });
    expect(typeof o.time).toBe("number");
  });

  it("redacts secret fields and headers, at any of the first levels", () => {
    const { lines, log } = capture();
    log.info(
      {
        password: "pw-top",
        user: { password: "pw-nested", name: "alice" },
        host: { privateKey: "-----BEGIN KEY-----", conn: { token: "tok-deep", secret: "sec-deep" } },
        ticket: "tick",
        req: {
          headers: {
            authorization: "Bearer vdt_abc",
            cookie: "vd_session=xyz",
            "x-csrf-token": "csrf1",
            accept: "*/*",
          },
        },
      },
      "x",
    );
    const text = lines.join("\n");
    for (const secret of [
      "pw-top",
      "pw-nested",
      "BEGIN KEY",
      "tok-deep",
      "sec-deep",
      'tick"',
      "vdt_abc",
      "vd_session=xyz",
      "csrf1",
    ]) {
      expect(text).not.toContain(secret);
    }
    const o = JSON.parse(lines[0]);
    expect(o.user.name).toBe("alice");
    expect(o.req.headers.accept).toBe("*/*");
    expect(o.host.privateKey).toBe("[redacted]");
  });

  it("drops lines below the level", () => {
    const lines: string[] = [];
    const stream = new Writable({ write: (c, _e, d) => (lines.push(String(c)), d()) });
    const log = loggerCreate("info", stream as unknown as Parameters<typeof loggerCreate>[1]);
    log.debug("hidden");
    log.info("shown");
    expect(lines.join("")).not.toContain("hidden");
    expect(lines.join("")).toContain("shown");
  });
});
