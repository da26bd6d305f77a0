import { describe, expect, it } from "vitest";
import { bodyCeilingFor, bodyReadLimited, declaredLength } from "./body-limits";

/** A stream of `count` chunks of `size` bytes that records how many were pulled. */
function source(count: number, size: number) {
  const seen = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(c) {
        if (seen.pulled === count) return c.close();
        seen.pulled++;
        c.enqueue(new Uint8Array(size).fill(97));
      },
      cancel() {
        seen.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, seen };
}

describe("bodyReadLimited", () => {
  it("reads a body within the budget", async () => {
    const { stream } = source(4, 1000);
    expect((await bodyReadLimited(stream, 4000)).byteLength).toBe(4000);
    expect((await bodyReadLimited(null, 10)).byteLength).toBe(0);
  });

  it("stops pulling and cancels the stream as soon as the budget is passed", async () => {
    const { stream, seen } = source(1_000_000, 1024);
    await expect(bodyReadLimited(stream, 16 * 1024)).rejects.toMatchObject({ code: "payload_too_large" });
    expect(seen.pulled).toBe(17);
    expect(seen.cancelled).toBe(true);
  });
});

describe("declaredLength / bodyCeilingFor", () => {
  it("reads only plain decimal Content-Length values", () => {
    expect(declaredLength("123")).toBe(123);
    expect(declaredLength(" 7 ")).toBe(7);
    for (const v of [null, undefined, "", "-1", "1e9", "0x10", "12abc", "99999999999999999"])
      expect(declaredLength(v), String(v)).toBeNull();
  });

  it("gives sign-in routes 16 KiB, uploads the upload limit, everything else the JSON budget", () => {
    expect(bodyCeilingFor("/api/auth/login")).toBe(16 * 1024);
    expect(bodyCeilingFor("/api/auth/login/second-factor")).toBe(16 * 1024);
    expect(bodyCeilingFor("/api/setup")).toBe(16 * 1024);
    expect(bodyCeilingFor("/api/hosts/abc/storage/upload")).toBe(20 * 1024 ** 3);
    expect(bodyCeilingFor("/api/users")).toBe(1024 * 1024);
    expect(bodyCeilingFor("/vms")).toBe(1024 * 1024);
  });
});
