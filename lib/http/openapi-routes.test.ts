import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Validator } from "@seriousme/openapi-schema-validator";
import { INDEX_FILE, ROOT, SELF_FILE, apiRouteFiles, routeIndexSource, routeUrlPath } from "@/scripts/openapi-routes";
import { API_ROUTES } from "@/lib/http/openapi-routes";
import { HTTP_METHODS, bodyJsonSchema, openApiDocument } from "@/lib/http/openapi";
import { routeMeta } from "@/lib/http/route";
import { PRIVILEGES } from "@/lib/authz/privileges";
import { z } from "zod";

type Content = Record<string, { schema: Record<string, unknown> }>;
type Op = Record<string, unknown> & {
  security: Record<string, string[]>[];
  requestBody?: { content: Content };
  parameters?: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[];
  responses: Record<string, { content?: Content; $ref?: string }>;
};

/** The source of one exported method of a route file (up to the next export). */
function methodSource(source: string, method: string): string {
  const start = source.search(new RegExp(`export (const|async function) ${method}\\b`));
  if (start < 0) return "";
  const next = source.slice(start + 1).search(/\nexport /);
  return next < 0 ? source.slice(start) : source.slice(start, start + 1 + next);
}

describe("route index", () => {
  it("lists every app/api route file (run `npm run openapi:routes` after adding or removing one)", async () => {
    const onDisk = await readFile(path.join(ROOT, INDEX_FILE), "utf8");
    expect(onDisk).toBe(routeIndexSource(await apiRouteFiles()));
  });

  it("maps file paths to OpenAPI paths", () => {
    expect(routeUrlPath("app/api/hosts/route.ts")).toBe("/api/hosts");
    expect(routeUrlPath("app/api/vms/[hostId]/[uuid]/actions/route.ts")).toBe("/api/vms/{hostId}/{uuid}/actions");
    expect(routeUrlPath("app/api/(v1)/files/[...rest]/route.ts")).toBe("/api/files/{rest}");
    expect(routeUrlPath("app/api/openapi.json/route.ts")).toBe("/api/openapi.json");
  });
});

describe("OpenAPI document", () => {
  const doc = openApiDocument(API_ROUTES, { version: "test" }) as {
    openapi: string;
    paths: Record<string, Record<string, Op>>;
    components: { securitySchemes: Record<string, unknown> };
  };

  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
    // The validator does reject a broken document.
    const broken = { ...doc, paths: { "/api/x": { get: { responses: "none" } } } };
    expect((await new Validator().validate(broken as never)).valid).toBe(false);
  });

  it("describes every route file and every exported method", async () => {
    const files = (await apiRouteFiles()).filter((f) => f !== SELF_FILE);
    const sources = new Set(
      Object.values(doc.paths).flatMap((p) => Object.values(p).map((op) => op["x-virtdeck-source"])),
    );
    for (const f of files) expect(sources, f).toContain(f);
    for (const r of API_ROUTES) {
      for (const m of HTTP_METHODS) {
        if (typeof r.module[m] === "function")
          expect(doc.paths[r.path]?.[m.toLowerCase()], `${m} ${r.path}`).toBeDefined();
      }
    }
    expect(doc.paths["/api/openapi.json"].get).toBeDefined();
    const ids = Object.values(doc.paths).flatMap((p) => Object.values(p).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("carries auth, privilege and security schemes per operation", () => {
    const schemes = new Set(Object.keys(doc.components.securitySchemes));
    expect(schemes).toEqual(new Set(["sessionCookie", "csrfHeader", "bearerToken"]));
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const req of op.security)
          for (const name of Object.keys(req)) expect(schemes, `${method} ${p}`).toContain(name);
        const priv = op["x-virtdeck-privilege"];
        expect(
          priv === null || (PRIVILEGES as readonly unknown[]).includes(priv),
          `${method} ${p}: ${String(priv)}`,
        ).toBe(true);
        if (op["x-virtdeck-auth"] === "user") {
          expect(op.security.length, `${method} ${p}`).toBeGreaterThan(0);
          if (method !== "get")
            expect(op.security[0], `${method} ${p} needs the CSRF header`).toHaveProperty("csrfHeader");
        } else {
          expect(op.security).toEqual([]);
        }
      }
    }
    expect(doc.paths["/api/audit"].get["x-virtdeck-privilege"]).toBe("audit.view");
    expect(doc.paths["/api/audit"].get.security).toContainEqual({ bearerToken: [] });
    // Routes that refuse API tokens do not offer the bearer scheme.
    expect(doc.paths["/api/tokens"].post.security).toEqual([{ sessionCookie: [], csrfHeader: [] }]);
    expect(doc.paths["/api/account/password"].post.security).toEqual([{ sessionCookie: [], csrfHeader: [] }]);
    expect(doc.paths["/api/auth/login"].post["x-virtdeck-auth"]).toBe("public");
    expect(doc.paths["/api/hosts/{id}"].delete["x-virtdeck-targeted"]).toBeTypeOf("boolean");
  });

  it("includes request bodies converted from the zod schemas", () => {
    const login = doc.paths["/api/auth/login"].post.requestBody!.content["application/json"].schema;
    expect(login).toMatchObject({
      type: "object",
      required: ["username", "password"],
      properties: { username: { type: "string", maxLength: 256 } },
    });
    const policy = doc.paths["/api/security/policy"].put.requestBody!.content["application/json"].schema;
    expect(policy).toMatchObject({
      type: "object",
      properties: { totpRequiredRoles: { type: "array", items: { type: "string" } } },
    });
    expect(doc.paths["/api/hosts/{id}"].delete.parameters).toEqual([
      { name: "id", in: "path", required: true, schema: { type: "string", minLength: 1, maxLength: 200 } },
    ]);
    // Input side of transforms, no $schema inside the document.
    expect(bodyJsonSchema(z.object({ a: z.string().transform((s) => s.length) }))).toEqual({
      type: "object",
      properties: { a: { type: "string" } },
      required: ["a"],
    });
  });

  it("declares path parameters, query and answers for every operation (a route without them fails here)", async () => {
    const missing: string[] = [];
    for (const r of API_ROUTES) {
      const source = await readFile(path.join(ROOT, r.file), "utf8");
      for (const m of HTTP_METHODS) {
        const handler = r.module[m];
        if (typeof handler !== "function") continue;
        const where = `${m} ${r.path}`;
        const meta = routeMeta(handler);
        if (!meta) {
          missing.push(`${where}: not wrapped by publicRoute/userRoute`);
          continue;
        }
        if (!meta.responses || Object.keys(meta.responses).length === 0) missing.push(`${where}: no responses`);
        const names = [...r.path.matchAll(/\{([^}]+)\}/g)].map((x) => x[1]).sort();
        const declared = meta.params
          ? Object.keys((bodyJsonSchema(meta.params) as { properties?: object }).properties ?? {}).sort()
          : [];
        if (names.join() !== declared.join())
          missing.push(`${where}: params ${JSON.stringify(declared)} instead of ${JSON.stringify(names)}`);
        if (/searchParams/.test(methodSource(source, m)) && !meta.query)
          missing.push(`${where}: reads the query without declaring it`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("describes each answer by a JSON schema or a media type, and each path and query parameter", () => {
    const json = JSON.stringify(doc);
    // Schemas are inlined: a $ref may only point at the shared components.
    expect(json).not.toContain('"$defs"');
    for (const ref of json.matchAll(/"\$ref":"([^"]+)"/g)) expect(ref[1]).toMatch(/^#\/components\//);
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const ok = Object.entries(op.responses).filter(([status]) => /^2/.test(status));
        expect(ok.length, `${method} ${p}`).toBeGreaterThan(0);
        for (const [status, res] of ok) {
          if (status === "204") continue;
          const [media, { schema }] = Object.entries(res.content ?? {})[0] ?? ["", { schema: {} }];
          expect(media, `${method} ${p} ${status}`).not.toBe("");
          if (media === "application/json" && p !== "/api/openapi.json")
            expect(
              (schema.type === "object" && !!schema.properties) || !!schema.oneOf || !!schema.anyOf,
              `${method} ${p} ${status}`,
            ).toBe(true);
        }
        for (const name of [...p.matchAll(/\{([^}]+)\}/g)].map((x) => x[1])) {
          expect(
            op.parameters?.find((x) => x.in === "path" && x.name === name)?.schema,
            `${method} ${p} {${name}}`,
          ).toMatchObject({ type: "string", maxLength: expect.any(Number) });
        }
      }
    }
    // The VM list's query and answer, as the route declares them.
    const vms = doc.paths["/api/vms"].get;
    expect(vms.parameters?.map((x) => x.in === "query" && x.name)).toEqual(
      expect.arrayContaining(["q", "page", "sort"]),
    );
    const vmList = vms.responses["200"].content!["application/json"].schema as {
      required: string[];
      properties: Record<string, { items?: { properties?: object } }>;
      additionalProperties: boolean;
    };
    expect(vmList.required).toEqual(expect.arrayContaining(["vms", "total", "hosts"]));
    expect(vmList.additionalProperties).toBe(false);
    expect(Object.keys(vmList.properties.vms.items!.properties!)).toContain("allowedActions");
    expect(doc.paths["/api/events"].get.responses["200"].content).toHaveProperty("text/event-stream");
    expect(doc.paths["/api/audit/export"].get.responses["200"].content).toHaveProperty("text/csv");
    expect(doc.paths["/api/templates/{id}"].delete.responses["204"]).toEqual({ description: "No content" });
    expect(doc.paths["/api/hosts/{id}/storage/upload"].post.requestBody?.content).toHaveProperty(
      "application/octet-stream",
    );
  });
});
