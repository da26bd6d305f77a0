import { VM_SORTS, VM_STATES, type SortDir, type VmSort, type VmState } from "@/components/vms/types";

/** What the fleet list shows: the query string of GET /api/vms, and of the /vms page's URL. */
export interface VmListQuery {
  /** Host id, "" for every host. */
  host: string;
  state: VmState | "";
  q: string;
  sort: VmSort;
  dir: SortDir;
  /** 1-based. */
  page: number;
}

export const PAGE_SIZE = 50;

export const DEFAULT_QUERY: VmListQuery = { host: "", state: "", q: "", sort: "name", dir: "asc", page: 1 };

type Params = URLSearchParams | Record<string, string | string[] | undefined>;

function param(params: Params, name: string): string {
  const v = params instanceof URLSearchParams ? params.get(name) : params[name];
  return (Array.isArray(v) ? v[0] : v) ?? "";
}

/** Reads a query from URL parameters; anything unknown falls back to the default. */
export function vmListQueryParse(params: Params): VmListQuery {
  const state = param(params, "state");
  const sort = param(params, "sort");
  const dir = param(params, "dir");
  const page = Number(param(params, "page"));
  return {
    host: param(params, "host").slice(0, 200),
    state: (VM_STATES as readonly string[]).includes(state) ? (state as VmState) : "",
    q: param(params, "q").slice(0, 200),
    sort: (VM_SORTS as readonly string[]).includes(sort) ? (sort as VmSort) : DEFAULT_QUERY.sort,
    dir: dir === "desc" ? "desc" : "asc",
    page: Number.isInteger(page) && page >= 1 ? page : 1,
  };
}

/** URL parameters for a query, leaving out defaults (a clean /vms URL is the default list). */
export function vmListQueryParams(query: VmListQuery, opts: { pageSize?: number } = {}): URLSearchParams {
  const p = new URLSearchParams();
  if (query.host) p.set("host", query.host);
  if (query.state) p.set("state", query.state);
  if (query.q) p.set("q", query.q);
  if (query.sort !== DEFAULT_QUERY.sort) p.set("sort", query.sort);
  if (query.dir !== DEFAULT_QUERY.dir) p.set("dir", query.dir);
  if (query.page !== 1) p.set("page", String(query.page));
  if (opts.pageSize) p.set("pageSize", String(opts.pageSize));
  return p;
}

/** Clicking a column header: the same column flips the direction, another one sorts ascending from page 1. */
export function vmListQuerySort(query: VmListQuery, sort: VmSort): VmListQuery {
  const dir: SortDir = query.sort === sort && query.dir === "asc" ? "desc" : "asc";
  return { ...query, sort, dir, page: 1 };
}

export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / Math.max(1, pageSize)));
}
