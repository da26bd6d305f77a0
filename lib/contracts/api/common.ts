import { z } from "zod";

/**
 * Building blocks of the API's declared answers, path parameters and queries (lib/http/route-contract.ts):
 * the route wrapper parses every answer with these schemas (unknown fields are stripped, so nothing
 * undeclared leaves the server) and the OpenAPI document is generated from them. Zod only: safe for the browser.
 */

/** A date-time as the API sends it: ISO 8601 (Date.toISOString()). */
export const IsoDateSchema = z.string().meta({ description: "ISO 8601 date-time", format: "date-time" });

/** Identifiers in paths are opaque, bounded strings: a misfit names nothing (404). */
export const IdSchema = z.string().min(1).max(200);

export const IdParamsSchema = z.object({ id: IdSchema });
export const VmParamsSchema = z.object({ hostId: IdSchema, uuid: IdSchema });
export const HostPoolParamsSchema = z.object({ id: IdSchema, pool: z.string().min(1).max(1024) });
export const GroupMemberParamsSchema = z.object({ id: IdSchema, userId: IdSchema });
export const ShareTokenParamsSchema = z.object({ token: z.string().min(1).max(200) });

/** `{ ok: true }`: a change that returns nothing else. */
export const OkSchema = z.object({ ok: z.literal(true) });

/** The OpenAPI document itself (GET /api/openapi.json). */
export const OpenApiDocumentSchema = z.record(z.string(), z.unknown());

/** GET /api/health. */
export const HealthSchema = z.object({
  status: z.enum(["ok", "degraded"]),
  version: z.string(),
  database: z.object({ reachable: z.boolean(), kind: z.string() }),
});

/** Compile-time check that a schema's output is exactly a wire type (used in the contract type tests). */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
