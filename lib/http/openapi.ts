import { z } from "zod";
import { routeMeta, type RouteMeta } from "@/lib/http/route";
import { isMediaResponse, type ResponseSpec } from "@/lib/http/route-contract";

/**
 * OpenAPI 3.1 description of virtdeck's REST API, built from the code: every
 * route handler file (lib/http/openapi-routes.ts, generated) and each
 * handler's ROUTE_META (who may call it, which privilege, and the zod schemas of
 * its path parameters, query, body and answers, converted with zod's own JSON
 * Schema output: inputs as clients send them, answers as the server sends them).
 */
export interface ApiRouteEntry {
  /** URL path in OpenAPI form: /api/hosts/{id}. */
  path: string;
  /** Repository path of the route file. */
  file: string;
  module: Record<string, unknown>;
}

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

type JsonObject = Record<string, unknown>;

/** A zod schema as an OpenAPI 3.1 (JSON Schema 2020-12) schema: what clients send. */
export function bodyJsonSchema(schema: z.ZodType): JsonObject {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonObject;
  return rest;
}

/** A zod schema as the JSON Schema of what the server sends (unknown fields stripped: none allowed). */
export function responseJsonSchema(schema: z.ZodType): JsonObject {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as JsonObject;
  return rest;
}

/** The properties of an object schema (query, path parameters), each with whether it is required. */
function objectFields(schema: z.ZodType, what: string): { name: string; schema: JsonObject; required: boolean }[] {
  const json = bodyJsonSchema(schema) as {
    type?: string;
    properties?: Record<string, JsonObject>;
    required?: string[];
  };
  if (json.type !== "object" || !json.properties) throw new Error(`${what} schema must be an object schema`);
  return Object.entries(json.properties).map(([name, s]) => ({
    name,
    schema: s,
    required: !!json.required?.includes(name),
  }));
}

function parameters(path: string, meta: RouteMeta | undefined): JsonObject[] {
  const fromSchema = meta?.params
    ? new Map(objectFields(meta.params, `${path} params`).map((f) => [f.name, f.schema]))
    : new Map();
  const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: fromSchema.get(m[1]) ?? { type: "string" },
  }));
  const inQuery = meta?.query
    ? objectFields(meta.query, `${path} query`).map((f) => ({
        name: f.name,
        in: "query",
        required: f.required,
        schema: f.schema,
      }))
    : [];
  return [...inPath, ...inQuery];
}

const STATUS_TEXT: Record<string, string> = {
  "200": "Success",
  "201": "Created",
  "202": "Accepted (a task runs it)",
  "204": "No content",
  "503": "Unavailable",
};

function responseObject(status: string, spec: ResponseSpec): JsonObject {
  if (spec === null) return { description: STATUS_TEXT[status] ?? "Success" };
  if (isMediaResponse(spec)) {
    const binary = !/^text\/|json/.test(spec.media);
    return {
      description: spec.description,
      content: {
        [spec.media]: { schema: binary ? { type: "string", contentMediaType: spec.media } : { type: "string" } },
      },
    };
  }
  return {
    description: STATUS_TEXT[status] ?? "Success",
    content: { "application/json": { schema: responseJsonSchema(spec) } },
  };
}

function successResponses(meta: RouteMeta | undefined): JsonObject {
  if (!meta?.responses)
    return { "200": { description: "Success (not described)", content: { "application/json": { schema: {} } } } };
  return Object.fromEntries(
    Object.entries(meta.responses).map(([status, spec]) => [status, responseObject(status, spec as ResponseSpec)]),
  );
}

function operationId(method: string, path: string): string {
  const words = path
    .replace(/^\/api\//, "")
    .split(/[/.{}-]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1));
  return method.toLowerCase() + words.join("");
}

function tagOf(path: string): string {
  return path.split("/")[2] ?? "api";
}

function security(meta: RouteMeta | undefined, method: string): JsonObject[] {
  if (!meta || meta.auth === "public") return [];
  // Browser sessions send the cookie, and the CSRF header on mutations; API clients send a bearer token.
  const session = MUTATING.has(method) ? { sessionCookie: [], csrfHeader: [] } : { sessionCookie: [] };
  return meta.tokens === false ? [session] : [session, { bearerToken: [] }];
}

const ERROR_RESPONSE = { $ref: "#/components/responses/Error" };

function operation(entry: ApiRouteEntry, method: string, meta: RouteMeta | undefined): JsonObject {
  const params = parameters(entry.path, meta);
  const op: JsonObject = {
    operationId: operationId(method, entry.path),
    tags: [tagOf(entry.path)],
    security: security(meta, method),
    "x-virtdeck-auth": meta?.auth ?? "public",
    "x-virtdeck-privilege": meta?.privilege ?? null,
    "x-virtdeck-targeted": meta?.targeted ?? false,
    "x-virtdeck-source": entry.file,
    responses: {
      ...successResponses(meta),
      ...(meta?.auth === "user" ? { "401": ERROR_RESPONSE, "403": ERROR_RESPONSE } : {}),
      default: ERROR_RESPONSE,
    },
  };
  if (params.length) op.parameters = params;
  if (meta?.body) {
    op.requestBody = {
      required: true,
      content: { "application/json": { schema: bodyJsonSchema(meta.body) } },
      "x-virtdeck-max-bytes": meta.maxBodyBytes,
    };
    (op.responses as JsonObject)["422"] = ERROR_RESPONSE;
  } else if (meta?.rawBody) {
    op.requestBody = {
      required: true,
      content: { [meta.rawBody]: { schema: { type: "string", contentMediaType: meta.rawBody } } },
    };
  }
  return op;
}

export function openApiDocument(routes: readonly ApiRouteEntry[], info: { version: string }): JsonObject {
  const paths: Record<string, JsonObject> = {};
  for (const entry of routes) {
    for (const method of HTTP_METHODS) {
      const handler = entry.module[method];
      if (typeof handler !== "function") continue;
      (paths[entry.path] ??= {})[method.toLowerCase()] = operation(entry, method, routeMeta(handler));
    }
  }
  paths["/api/openapi.json"] = {
    get: {
      operationId: "getOpenapiJson",
      tags: ["openapi"],
      security: [],
      "x-virtdeck-auth": "public",
      "x-virtdeck-privilege": null,
      "x-virtdeck-targeted": false,
      responses: {
        "200": { description: "This document", content: { "application/json": { schema: { type: "object" } } } },
      },
    },
  };
  const sorted = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
  return {
    openapi: "3.1.0",
    info: {
      title: "virtdeck API",
      version: info.version,
      description:
        "REST API of virtdeck. Browser sessions authenticate with the session cookie and send the X-CSRF-Token header " +
        "(from GET /api/auth/me) on mutations; API clients send `Authorization: Bearer <token>`. " +
        "x-virtdeck-privilege names the privilege an operation needs; x-virtdeck-targeted means it is checked on the host or VM in the path.",
    },
    servers: [{ url: "/" }],
    paths: sorted,
    components: {
      securitySchemes: {
        sessionCookie: { type: "apiKey", in: "cookie", name: "vd_session" },
        csrfHeader: { type: "apiKey", in: "header", name: "X-CSRF-Token" },
        bearerToken: { type: "http", scheme: "bearer", description: "An API token created on the account page" },
      },
      schemas: {
        Error: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["code", "message"],
              properties: {
                code: { type: "string" },
                message: { type: "string" },
                issues: {
                  type: "array",
                  items: {
                    type: "object",
                    properties: { path: { type: "string" }, message: { type: "string" } },
                    required: ["path", "message"],
                  },
                },
              },
            },
          },
        },
      },
      responses: {
        Error: {
          description: "An error",
          content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
        },
      },
    },
  };
}
