import { describe, expect, it } from "vitest";
import { ApiError, toApiError } from "./fetch-json";

describe("toApiError", () => {
  it("keeps an ApiError (its field issues reach the form) and wraps anything else", () => {
    const api = new ApiError(422, "invalid_input", "name: bad", [{ path: "name", message: "bad" }]);
    expect(toApiError(api)).toBe(api);
    expect(toApiError(api).fieldMessage("name")).toBe("bad");
    expect(toApiError(new Error("boom"))).toMatchObject({ status: 0, code: "internal", message: "boom" });
    expect(toApiError("text").message).toBe("text");
  });
});
