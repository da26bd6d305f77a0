import "server-only";
import { NextResponse, type NextRequest } from "next/server";
import type { z } from "zod";
import { userRoute, type AuthedContext, type Body, type Params, type UserRouteOptions } from "@/lib/http/route";
import type { DeniedRequest } from "@/lib/authz";
import { IdParamsSchema, VmParamsSchema } from "@/lib/contracts/api/common";

/**
 * userRoute for the common case: the handler returns the JSON body, sent with the one success
 * status the route declares (`responses: { 201: … }` answers 201; a 204 sends no body). The presets below also fill in
 * the path parameters and the target of the privilege check from the route's `[segments]`; each
 * route still states its own privilege, body and answers, and its service records the audit.
 */
export function jsonRoute<
  S extends z.ZodType | undefined = undefined,
  P extends Params = Params,
  Q extends z.ZodType | undefined = undefined,
>(opts: UserRouteOptions<S, P, Q>, handler: (ctx: AuthedContext<Body<S>, P, Body<Q>>) => Promise<unknown>) {
  const status = successStatus(opts.responses);
  return userRoute<S, P, Q>(opts, async (ctx) => {
    const body = await handler(ctx);
    return status === 204 ? new NextResponse(null, { status }) : NextResponse.json(body, { status });
  });
}

function successStatus(responses: UserRouteOptions<undefined, Params, undefined>["responses"]): number {
  const ok = Object.keys(responses ?? { 200: null })
    .map(Number)
    .filter((s) => s >= 200 && s < 300);
  if (ok.length !== 1) throw new Error(`a JSON route declares exactly one success answer, not ${ok.join(", ")}`);
  return ok[0];
}

export type IdParams = { id: string };
export type VmParams = { hostId: string; uuid: string };

type Schema = z.ZodType | undefined;
/** The options of a preset: what it sets itself (params, target) left out. */
type PresetOptions<S extends Schema, Q extends Schema> = Omit<UserRouteOptions<S, never, Q>, "params" | "target">;
type Handler<S extends Schema, P, Q extends Schema> = (ctx: AuthedContext<Body<S>, P, Body<Q>>) => Promise<unknown>;

/** A record named by `[id]` (user, group, role, template, task…): the privilege is checked as the options say. */
export function recordRoute<S extends Schema = undefined, Q extends Schema = undefined>(
  opts: PresetOptions<S, Q>,
  handler: Handler<S, IdParams, Q>,
) {
  return jsonRoute<S, IdParams, Q>({ ...opts, params: IdParamsSchema }, handler);
}

/** The host named by `[id]`: the privilege is checked on that host (404 when the caller may not see it). */
export function hostRoute<S extends Schema = undefined, Q extends Schema = undefined>(
  opts: PresetOptions<S, Q>,
  handler: Handler<S, IdParams, Q>,
) {
  const target = ({ params }: { params: IdParams }) => ({ hostId: params.id });
  return jsonRoute<S, IdParams, Q>({ ...opts, params: IdParamsSchema, target }, handler);
}

/** The VM named by `[hostId]/[uuid]`: the privilege is checked on that VM (404 when the caller may not see it). */
export function vmRoute<S extends Schema = undefined, Q extends Schema = undefined>(
  opts: PresetOptions<S, Q>,
  handler: Handler<S, VmParams, Q>,
) {
  const target = ({ params }: { params: VmParams }) => ({ hostId: params.hostId, vmUuid: params.uuid });
  return jsonRoute<S, VmParams, Q>({ ...opts, params: VmParamsSchema, target }, handler);
}

/** What an `access.denied` audit record says of the request (lib/authz accessDeniedRecord). */
export function deniedRequest(req: NextRequest, ip: string): DeniedRequest {
  return { ip, method: req.method, path: req.nextUrl.pathname };
}
