import { describe, expect, it } from "vitest";
import {
  DEFAULT_QUERY,
  pageCount,
  vmListQueryParams,
  vmListQueryParse,
  vmListQuerySort,
} from "@/components/vms/vm-list-query";

describe("vmListQueryParse", () => {
  it("reads known values and drops the rest", () => {
    expect(
      vmListQueryParse(new URLSearchParams("host=h1&state=running&q=web%20%24(x)&sort=cpu&dir=desc&page=3")),
    ).toEqual({
      host: "h1",
      state: "running",
      q: "web $(x)",
      sort: "cpu",
      dir: "desc",
      page: 3,
    });
    expect(vmListQueryParse({ state: "bogus", sort: "rm -rf", dir: "up", page: "-2" })).toEqual(DEFAULT_QUERY);
    expect(vmListQueryParse({ page: ["2", "5"] }).page).toBe(2);
  });
});

describe("vmListQueryParams", () => {
  it("leaves defaults out and round-trips", () => {
    expect(vmListQueryParams(DEFAULT_QUERY).toString()).toBe("");
    const q = { ...DEFAULT_QUERY, q: "a&b=c", page: 2, sort: "memory" as const };
    expect(vmListQueryParse(vmListQueryParams(q))).toEqual(q);
    expect(vmListQueryParams(DEFAULT_QUERY, { pageSize: 50 }).get("pageSize")).toBe("50");
  });
});

describe("vmListQuerySort", () => {
  it("flips the direction of the current column and resets the page", () => {
    const byName = vmListQuerySort({ ...DEFAULT_QUERY, page: 4 }, "name");
    expect(byName).toMatchObject({ sort: "name", dir: "desc", page: 1 });
    expect(vmListQuerySort(byName, "cpu")).toMatchObject({ sort: "cpu", dir: "asc" });
  });
});

describe("pageCount", () => {
  it("has at least one page", () => {
    expect(pageCount(0, 50)).toBe(1);
    expect(pageCount(1000, 50)).toBe(20);
    expect(pageCount(1001, 50)).toBe(21);
  });
});
