import { describe, expect, it } from "vitest";
import { SnapshotCreateSchema, SnapshotEditSchema, SnapshotNameSchema } from "./snapshot";

describe("snapshot names", () => {
  it("takes quotes, spaces, ';', '$()', '<&' and unicode (argv and DOM carry them)", () => {
    for (const n of [`a "b"`, "it's", "x; rm -rf ~", "$(id)", "<a&b>", "日本 ünï", "a-b_c.d"])
      expect(SnapshotNameSchema.safeParse(n).success, n).toBe(true);
  });
  it("refuses a leading '-', '/', control characters, surrounding spaces, '.', '..', empty, oversized", () => {
    for (const n of ["-rf", "a/b", "a\nb", "a\u0000", " a", "a ", ".", "..", "", "x".repeat(101)])
      expect(SnapshotNameSchema.safeParse(n).success, JSON.stringify(n)).toBe(false);
  });
  it("create: kind defaults to internal; unknown fields and kinds are refused naming the field", () => {
    expect(SnapshotCreateSchema.parse({ name: "a" })).toEqual({ name: "a", kind: "internal" });
    const bad = SnapshotCreateSchema.safeParse({ name: "a", kind: "both" });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(["kind"]);
    expect(SnapshotCreateSchema.safeParse({ name: "a", memory: true }).success).toBe(false);
  });
  it("edit needs a name or a description", () => {
    expect(SnapshotEditSchema.safeParse({}).success).toBe(false);
    expect(SnapshotEditSchema.safeParse({ description: "" }).success).toBe(true);
  });
});
