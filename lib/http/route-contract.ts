import "server-only";
import { NextResponse, type NextRequest } from "next/server";
import { z } from "zod";
import { AppError } from "@/lib/http/errors";
import { childLogger } from "@/lib/log";
import { requestLogPath } from "@/lib/http/request-log";

/**
 * What a route promises besides its body: its path parameters, its query and its answers, as zod
 * schemas. The route wrapper (lib/http/route.ts) validates all of them; lib/http/openapi.ts turns
 * the same schemas into the OpenAPI document, so the document cannot drift from what is enforced.
 */

/** A non-JSON answer (event stream, file download, CSV, image): described by its media type. */
export interface MediaResponse {
  media: string;
  description: string;
}

/** An answer: a zod schema of its JSON body, a media type, or `null` for no body (204). */
export type ResponseSpec = z.ZodType | MediaResponse | null;

/**
 * The answers a route gives, by HTTP status: every success, and a non-error answer a route sends
 * with an error status (the health probe's 503). Other errors are the shared Error body.
 */
export type Responses = Partial<Record<200 | 201 | 202 | 204 | 206 | 503, ResponseSpec>>;

export function mediaResponse(media: string, description: string): MediaResponse {
  return { media, description };
}

export function isMediaResponse(spec: ResponseSpec | undefined): spec is MediaResponse {
  return !!spec && typeof (spec as MediaResponse).media === "string" && !(spec instanceof z.ZodType);
}

/** Path parameters that do not fit their schema name nothing: 404, naming the parameter. */
export function paramsParse<T>(schema: z.ZodType<T> | undefined, raw: Record<string, string>): T {
  if (!schema) return raw as T;
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new AppError(
    "not_found",
    `Invalid path parameter ${issue?.path.join(".") || "?"}: ${issue?.message ?? "invalid"}`,
  );
}

/** The query string, one value per name (the last one), validated: 422 naming the field. */
export function queryParse<T>(schema: z.ZodType<T> | undefined, req: NextRequest): T {
  if (!schema) return undefined as T;
  return schema.parse(Object.fromEntries(req.nextUrl.searchParams));
}

/** Thrown (development, test) when a handler's answer breaks its declared contract: a 500. */
export class ResponseContractError extends Error {
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = "ResponseContractError";
  }
}

/**
 * Production answers a contract break by logging it and still sending the answer, pruned to the
 * fields the schema knows: a client keeps working, and nothing undeclared (a password hash a
 * service forgot to drop) ever leaves. Development and test fail loudly instead.
 */
function strictContracts(): boolean {
  // Read at each answer (not lib/env's cached copy): Next inlines it in production builds.
  return process.env.NODE_ENV !== "production";
}

function breach(req: NextRequest, status: number, message: string, issues: ResponseContractError["issues"]): void {
  if (strictContracts()) throw new ResponseContractError(message, issues);
  childLogger("route").error(
    {
      reqId: req.headers.get("x-request-id") ?? undefined,
      method: req.method,
      path: requestLogPath(req.nextUrl.pathname),
      status,
      issues,
    },
    `response breaks its contract: ${message}`,
  );
}

function withBody(res: Response, body: unknown): Response {
  const headers = new Headers(res.headers);
  headers.delete("content-length");
  headers.set("content-type", "application/json");
  return new NextResponse(JSON.stringify(body), { status: res.status, headers });
}

/**
 * Checks a handler's answer against the route's declared responses and returns what is sent:
 * JSON bodies are parsed with their schema (unknown fields stripped), media types compared.
 * Error answers (4xx/5xx) are left alone: the wrapper builds them from one error type.
 */
export async function responseConform(
  req: NextRequest,
  res: Response,
  responses: Responses | undefined,
): Promise<Response> {
  if (!responses || (res.status >= 400 && !(res.status in responses))) return res;
  const spec = responses[res.status as keyof Responses];
  if (spec === undefined) {
    breach(req, res.status, `status ${res.status} is not declared`, []);
    // Production: prune with a declared JSON schema of this route, the nearest contract there is.
    const near = Object.values(responses).find((s): s is z.ZodType => s instanceof z.ZodType);
    return near && isJson(res) ? withBody(res, pruneToSchema(near, await res.json())) : res;
  }
  if (spec === null) {
    if (res.body) breach(req, res.status, `status ${res.status} declares no body`, []);
    return res;
  }
  const type = res.headers.get("content-type") ?? "";
  if (isMediaResponse(spec)) {
    if (!type.toLowerCase().startsWith(spec.media))
      breach(req, res.status, `content type ${type || "(none)"} instead of ${spec.media}`, []);
    return res;
  }
  if (!type.toLowerCase().startsWith("application/json")) {
    breach(req, res.status, `content type ${type || "(none)"} instead of application/json`, []);
    return res;
  }
  const json: unknown = await res.json();
  const parsed = spec.safeParse(json);
  if (parsed.success) return withBody(res, parsed.data);
  const issues = parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  breach(req, res.status, `body does not match its schema (${issues[0]?.path}: ${issues[0]?.message})`, issues);
  return withBody(res, pruneToSchema(spec, json));
}

function isJson(res: Response): boolean {
  return (res.headers.get("content-type") ?? "").toLowerCase().startsWith("application/json");
}

type Def = { type: string } & Record<string, unknown>;
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Keeps only what `schema` declares (object keys, array items, record values), without judging
 * the values: production's answer to a body that failed its schema. Walks zod 4's own definitions.
 */
export function pruneToSchema(schema: z.ZodType, value: unknown): unknown {
  const def = defOf(schema);
  switch (def.type) {
    case "object": {
      if (!isRecord(value)) return value;
      const shape = def.shape as Record<string, z.ZodType>;
      const out: Record<string, unknown> = {};
      for (const [k, s] of Object.entries(shape)) if (k in value) out[k] = pruneToSchema(s, value[k]);
      const rest = def.catchall as z.ZodType | undefined;
      if (rest && defOf(rest).type !== "never")
        for (const k of Object.keys(value)) if (!(k in shape)) out[k] = pruneToSchema(rest, value[k]);
      return out;
    }
    case "array":
      return Array.isArray(value) ? value.map((v) => pruneToSchema(def.element as z.ZodType, v)) : value;
    case "record":
      return isRecord(value)
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, pruneToSchema(def.valueType as z.ZodType, v)]))
        : value;
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "catch":
    case "nonoptional":
      return value === null || value === undefined ? value : pruneToSchema(def.innerType as z.ZodType, value);
    case "pipe":
      return pruneToSchema(def.in as z.ZodType, value);
    case "lazy":
      return pruneToSchema((def.getter as () => z.ZodType)(), value);
    case "union": {
      const options = def.options as z.ZodType[];
      const fit = options.find((o) => o.safeParse(value).success);
      if (fit) return pruneToSchema(fit, value);
      if (!isRecord(value)) return value;
      // No option fits: keep the keys some object option knows, each pruned by the first that knows it.
      const out: Record<string, unknown> = {};
      for (const o of options) {
        const pruned = pruneToSchema(o, value);
        if (isRecord(pruned)) for (const [k, v] of Object.entries(pruned)) if (!(k in out)) out[k] = v;
      }
      return out;
    }
    default:
      return value;
  }
}
