import "server-only";
import { NextResponse, type NextRequest } from "next/server";
import type { z } from "zod";
import { AppError, toErrorBody } from "@/lib/http/errors";
import { clientAddress, requestHost } from "@/lib/http/client-address";
import { csrfTokenMatches, sessionLookup, type ActiveSession } from "@/lib/auth/session";
import { sessionTokenOf } from "@/lib/http/session-cookie";
import type { Privilege } from "@/lib/authz/privileges";
import { authorizeGlobalOrThrow, authorizeOrThrow, principalFromSession, type AuthzTarget } from "@/lib/authz";
import { callerOf, type Caller } from "@/lib/authz/caller";
import { bearerFromHeader } from "@/lib/auth/api-token-format";
import { apiTokenAuthenticate } from "@/lib/auth/api-tokens";
import { childLogger } from "@/lib/log";
import { databaseErrorMap } from "@/lib/db/unavailable";
import { requestLogPath } from "@/lib/http/request-log";
import {
  AUTH_BODY_MAX_BYTES,
  bodyReadLimited,
  declaredLength,
  jsonBodyMaxBytes,
  payloadTooLarge,
} from "@/lib/http/body-limits";
import { paramsParse, queryParse, responseConform, type Responses } from "@/lib/http/route-contract";

/**
 * The one wrapper every route handler goes through: it resolves the caller,
 * checks the privilege on the server, enforces CSRF protection on mutations,
 * validates path parameters, query and the bounded body with zod, checks the
 * answer against its declared schema, and turns errors into safe responses.
 */
export interface RouteContext<TBody, TParams, TQuery = undefined> {
  req: NextRequest;
  ip: string;
  body: TBody;
  params: TParams;
  /** The validated query (`query` option); undefined when the route declares none. */
  query: TQuery;
  session: ActiveSession | null;
}

export interface AuthedContext<TBody, TParams, TQuery = undefined> extends Omit<
  RouteContext<TBody, TParams, TQuery>,
  "session"
> {
  /** Who is asking: what every service takes (lib/authz/caller.ts), with caller.principal for lib/authz. */
  caller: Caller;
}

/** A `sessionOnly` route's context: the browser session itself (account security, sign-out). */
export interface SessionContext<TBody, TParams, TQuery = undefined> extends AuthedContext<TBody, TParams, TQuery> {
  session: ActiveSession;
}

export interface UserRouteOptions<
  S extends z.ZodType | undefined,
  P extends Params,
  Q extends z.ZodType | undefined,
> extends BaseOptions<S, P, Q> {
  privilege?: Privilege;
  target?: (ctx: { params: P; body: Body<S> }) => AuthzTarget;
  /**
   * With `target`: the privilege must be held at global scope; the target only decides
   * between 404 (the caller may not see it) and 403.
   */
  globalScope?: boolean;
  anyScope?: boolean;
  /** Refuse `Authorization: Bearer` API tokens: a browser session only. */
  sessionOnly?: boolean;
}

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export type Params = Record<string, string>;

interface BaseOptions<
  S extends z.ZodType | undefined,
  P extends Params = Params,
  Q extends z.ZodType | undefined = undefined,
> {
  body?: S;
  maxBodyBytes?: number;
  /** Path parameters (an object schema naming each `[segment]`); a misfit is a 404 naming it. */
  params?: z.ZodType<P>;
  /** Query string (an object schema); a misfit is a 422 naming the field. */
  query?: Q;
  /** The answers on success, by status (lib/http/route-contract.ts): every answer is checked. */
  responses?: Responses;
  /** A body the handler streams itself (an upload), by media type: described in the document only. */
  rawBody?: string;
}

export type Body<S> = S extends z.ZodType ? z.infer<S> : undefined;

type NextHandler = (req: NextRequest, ctx: { params: Promise<Params> }) => Promise<Response>;

export type { AuthzTarget } from "@/lib/authz";

/**
 * Description of a route handler, attached to it under ROUTE_META so tools can
 * enumerate every route from the code (OpenAPI document, authorization matrix).
 */
export interface RouteMeta {
  auth: "public" | "user";
  privilege?: Privilege;
  /** True when the privilege is checked against a host or VM named by the request. */
  targeted: boolean;
  /**
   * Where the privilege must be held: "global"; "target" (the host or VM the
   * request names); "anywhere" (at any scope: lists that filter by visibility).
   */
  scope: "global" | "target" | "anywhere";
  body?: z.ZodType;
  params?: z.ZodType;
  query?: z.ZodType;
  responses?: Responses;
  rawBody?: string;
  maxBodyBytes: number;
  /** False when the route refuses API tokens (account security: password, two-factor, tokens). */
  tokens: boolean;
}

export const ROUTE_META = Symbol.for("virtdeck.routeMeta");

export function routeMeta(handler: unknown): RouteMeta | undefined {
  return (handler as { [ROUTE_META]?: RouteMeta } | undefined)?.[ROUTE_META];
}

function withMeta(handler: NextHandler, meta: RouteMeta): NextHandler {
  return Object.assign(handler, { [ROUTE_META]: meta });
}

/** Refuses cross-site requests: a browser always sends Origin on cross-origin mutations. */
function checkOrigin(req: NextRequest): void {
  const origin = req.headers.get("origin");
  if (!origin) return;
  const host = requestHost(req.headers);
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw new AppError("csrf_failed", "Cross-site request refused");
  }
  if (!host || originHost !== host) throw new AppError("csrf_failed", "Cross-site request refused");
}

/**
 * Reads the JSON body as a stream under its byte budget: a declared Content-Length
 * over it is refused before reading, a chunked body is cut as soon as it passes it.
 */
async function readBody<S extends z.ZodType | undefined>(req: NextRequest, schema: S, max: number): Promise<Body<S>> {
  if (!schema) return undefined as Body<S>;
  const declared = declaredLength(req.headers.get("content-length"));
  if (declared !== null && declared > max) throw payloadTooLarge(max);
  const type = req.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/json")) {
    throw new AppError("unsupported_media_type", "Request body must be application/json");
  }
  const bytes = await bodyReadLimited(req.body, max);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new AppError("bad_request", "Request body is not valid JSON");
  }
  return schema.parse(json) as Body<S>;
}

/**
 * One line per failed action, tagged with the request id server.ts gave the request: 5xx at error
 * level with the error, refusals (4xx) at debug with their code and message. Never the body.
 */
function failureLog(
  req: NextRequest,
  status: number,
  body: { error: { code: string; message: string } },
  err: unknown,
): void {
  const log = childLogger("route");
  const line = {
    reqId: req.headers.get("x-request-id") ?? undefined,
    method: req.method,
    path: requestLogPath(req.nextUrl.pathname),
    status,
    code: body.error.code,
  };
  if (status >= 500) log.error({ ...line, err }, "action failed");
  else if (status >= 400) log.debug({ ...line, reason: body.error.message }, "action refused");
}

function respond(err: unknown, req: NextRequest): Response {
  // A database outage is a 503 naming it, whichever layer met it; other errors map as they are.
  const { status, body, headers } = toErrorBody(databaseErrorMap(err));
  failureLog(req, status, body, err);
  const res = NextResponse.json(body, { status, headers });
  // The rest of an oversized body is never read: the server closes the connection (server.ts).
  if (status === 413) res.headers.set("connection", "close");
  return res;
}

/** A route anyone may call (health, login, first-run setup). Mutations still get the Origin check. */
export function publicRoute<
  S extends z.ZodType | undefined = undefined,
  P extends Params = Params,
  Q extends z.ZodType | undefined = undefined,
>(
  opts: BaseOptions<S, P, Q> & {
    /** No session lookup (the health probe: it must answer while the database is down). */
    anonymous?: boolean;
  },
  handler: (ctx: RouteContext<Body<S>, P, Body<Q>>) => Promise<Response>,
): NextHandler {
  const maxBodyBytes = opts.maxBodyBytes ?? AUTH_BODY_MAX_BYTES;
  return withMeta(
    async (req, ctx) => {
      try {
        if (MUTATING.has(req.method)) checkOrigin(req);
        const params = paramsParse(opts.params, await ctx.params);
        const query = queryParse(opts.query, req) as Body<Q>;
        const body = await readBody(req, opts.body as S, maxBodyBytes);
        const session = opts.anonymous ? null : await sessionLookup(sessionTokenOf(req));
        return await responseConform(
          req,
          await handler({ req, ip: clientAddress(req.headers), body, params, query, session }),
          opts.responses,
        );
      } catch (err) {
        return respond(err, req);
      }
    },
    {
      auth: "public",
      targeted: false,
      scope: "global",
      body: opts.body,
      params: opts.params,
      query: opts.query,
      responses: opts.responses,
      rawBody: opts.rawBody,
      maxBodyBytes,
      tokens: false,
    },
  );
}

/**
 * A route for signed-in users holding `privilege` (when given), checked by
 * lib/authz. `target` names the host or VM the privilege is checked against,
 * from the route parameters or the validated body (403, or 404 when the caller
 * may not see that host or VM); `anyScope` accepts the privilege held at any
 * scope (lists, which filter by lib/authz visibility()); with neither, the
 * privilege must be held globally.
 */
export function userRoute<
  S extends z.ZodType | undefined = undefined,
  P extends Params = Params,
  Q extends z.ZodType | undefined = undefined,
>(
  opts: UserRouteOptions<S, P, Q> & { sessionOnly: true },
  handler: (ctx: SessionContext<Body<S>, P, Body<Q>>) => Promise<Response>,
): NextHandler;
export function userRoute<
  S extends z.ZodType | undefined = undefined,
  P extends Params = Params,
  Q extends z.ZodType | undefined = undefined,
>(
  opts: UserRouteOptions<S, P, Q>,
  handler: (ctx: AuthedContext<Body<S>, P, Body<Q>>) => Promise<Response>,
): NextHandler;
export function userRoute<
  S extends z.ZodType | undefined = undefined,
  P extends Params = Params,
  Q extends z.ZodType | undefined = undefined,
>(
  opts: UserRouteOptions<S, P, Q>,
  handler: (ctx: SessionContext<Body<S>, P, Body<Q>>) => Promise<Response>,
): NextHandler {
  const maxBodyBytes = opts.maxBodyBytes ?? jsonBodyMaxBytes();
  return withMeta(
    async (req, ctx) => {
      try {
        const ip = clientAddress(req.headers);
        const { session, caller } = await callerResolve(req, ip, !!opts.sessionOnly);
        const principal = caller.principal;
        const params = paramsParse(opts.params, await ctx.params);
        const denied = { ip, method: req.method, path: req.nextUrl.pathname };
        // Refuse before reading the body whenever the check does not need it (untargeted, or a
        // target named by the path), so a caller without access never learns about body validation.
        const early = opts.target ? targetFromParams(opts.target, params) : undefined;
        const check = (target: AuthzTarget | "anywhere" | undefined) =>
          opts.globalScope && target && target !== "anywhere"
            ? authorizeGlobalOrThrow(principal, opts.privilege!, target, denied)
            : authorizeOrThrow(principal, opts.privilege!, target, denied);
        if (opts.privilege && (!opts.target || early))
          await check(opts.target ? early : opts.anyScope ? "anywhere" : undefined);
        const query = queryParse(opts.query, req) as Body<Q>;
        const body = await readBody(req, opts.body as S, maxBodyBytes);
        if (opts.privilege && opts.target && !early) await check(opts.target({ params, body }));
        // Only a sessionOnly route sees the session (it always has one: callerResolve refused tokens).
        const authed = { req, ip, body, params, query, caller };
        const res = await handler(
          (opts.sessionOnly ? { ...authed, session } : authed) as SessionContext<Body<S>, P, Body<Q>>,
        );
        return await responseConform(req, res, opts.responses);
      } catch (err) {
        return respond(err, req);
      }
    },
    {
      auth: "user",
      privilege: opts.privilege,
      targeted: !!opts.target,
      scope: opts.target && !opts.globalScope ? "target" : opts.anyScope ? "anywhere" : "global",
      body: opts.body,
      params: opts.params,
      query: opts.query,
      responses: opts.responses,
      rawBody: opts.rawBody,
      maxBodyBytes,
      tokens: !opts.sessionOnly,
    },
  );
}

const BODY_NEEDED = Symbol("body needed");
/** Stands in for the body while trying a target function on the route parameters alone. */
const NO_BODY = new Proxy(
  {},
  {
    get() {
      throw BODY_NEEDED;
    },
  },
);

/** The target when `target` names it from the route parameters alone; undefined when it reads the body. */
function targetFromParams<P, B>(
  target: (ctx: { params: P; body: B }) => AuthzTarget,
  params: P,
): AuthzTarget | undefined {
  try {
    return target({ params, body: NO_BODY as B });
  } catch (err) {
    if (err === BODY_NEEDED) return undefined;
    throw err;
  }
}

/**
 * Who is calling: an API token (`Authorization: Bearer`, no CSRF token needed:
 * a browser never attaches one by itself) or the session cookie, with the CSRF
 * header and Origin check on mutations.
 */
async function callerResolve(
  req: NextRequest,
  ip: string,
  sessionOnly: boolean,
): Promise<{ session: ActiveSession | null; caller: Caller }> {
  const bearer = bearerFromHeader(req.headers.get("authorization"));
  if (bearer !== null) {
    if (sessionOnly) throw new AppError("forbidden", "API tokens cannot be used here: sign in with a browser session");
    if (!bearer) throw new AppError("unauthorized", "Invalid API token");
    return { session: null, caller: callerOf(await apiTokenAuthenticate(bearer, ip), ip) };
  }
  const session = await sessionLookup(sessionTokenOf(req));
  if (!session) throw new AppError("unauthorized", "Sign in first");
  if (MUTATING.has(req.method)) {
    checkOrigin(req);
    if (!csrfTokenMatches(session.csrfToken, req.headers.get("x-csrf-token"))) {
      throw new AppError("csrf_failed", "Missing or invalid CSRF token");
    }
  }
  return { session, caller: callerOf(principalFromSession(session), ip) };
}
