import { describe, expect, it } from "vitest";
import { requestLogPath } from "./request-log";

describe("requestLogPath", () => {
  it("drops the query string and fragment (tickets, share secrets)", () => {
    expect(requestLogPath("/ws/console?ticket=abc123")).toBe("/ws/console");
    expect(requestLogPath("/api/vms?host=1#x")).toBe("/api/vms");
    expect(requestLogPath(undefined)).toBe("/");
  });

  it("replaces the secret segment of share links", () => {
    expect(requestLogPath("/share/s3cr3t-link")).toBe("/share/:token");
    expect(requestLogPath("/api/share/s3cr3t-link/ticket?x=1")).toBe("/api/share/:token/ticket");
    expect(requestLogPath("/api/share-links/abc")).toBe("/api/share-links/abc");
  });

  it("keeps only the path of an absolute-form target", () => {
    expect(requestLogPath("http://example.test/api/health?ticket=x")).toBe("/api/health");
  });
});
