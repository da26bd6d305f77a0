import { afterEach, describe, expect, it, vi } from "vitest";
import { NextRequest, NextResponse } from "next/server";
import { z } from "zod";
import {
  mediaResponse,
  paramsParse,
  pruneToSchema,
  queryParse,
  responseConform,
  ResponseContractError,
} from "./route-contract";

const req = () => new NextRequest("http://127.0.0.1/api/things?limit=5&x=1");
const Thing = z.object({ id: z.string(), tags: z.array(z.object({ name: z.string() })), at: z.string().nullable() });
const responses = { 200: z.object({ thing: Thing }), 204: null, 201: mediaResponse("text/csv", "A CSV file") };

afterEach(() => vi.unstubAllEnvs());

describe("responseConform", () => {
  it("strips fields the schema does not declare, keeping status and headers", async () => {
    const res = NextResponse.json(
      { thing: { id: "a", tags: [{ name: "t", secret: 1 }], at: null, passwordHash: "x" } },
      { status: 200, headers: { "cache-control": "no-store" } },
    );
    res.cookies.set("vd_session", "s");
    const out = await responseConform(req(), res, responses);
    expect(out.status).toBe(200);
    expect(out.headers.get("cache-control")).toBe("no-store");
    expect(out.headers.getSetCookie().join()).toContain("vd_session=s");
    expect(await out.json()).toEqual({ thing: { id: "a", tags: [{ name: "t" }], at: null } });
  });

  it("throws outside production when the body breaks its schema, an undeclared status is used, or the media type differs", async () => {
    await expect(responseConform(req(), NextResponse.json({ thing: { id: 1 } }), responses)).rejects.toBeInstanceOf(
      ResponseContractError,
    );
    await expect(
      responseConform(req(), NextResponse.json({ thing: { id: "a", tags: [], at: null } }, { status: 202 }), responses),
    ).rejects.toThrow(/202 is not declared/);
    await expect(responseConform(req(), NextResponse.json({}, { status: 201 }), responses)).rejects.toThrow(
      /instead of text\/csv/,
    );
    await expect(
      responseConform(
        req(),
        new Response("a,b", { status: 201, headers: { "content-type": "text/csv; charset=utf-8" } }),
        responses,
      ),
    ).resolves.toBeTruthy();
    await expect(responseConform(req(), new Response(null, { status: 204 }), responses)).resolves.toBeTruthy();
  });

  it("in production logs and still sends, pruned to the declared fields", async () => {
    vi.stubEnv("NODE_ENV", "production");
    const res = NextResponse.json({
      thing: { id: 1, tags: [{ name: "t", hash: "h" }], passwordHash: "x" },
      extra: true,
    });
    const out = await responseConform(req(), res, responses);
    expect(out.status).toBe(200);
    expect(await out.json()).toEqual({ thing: { id: 1, tags: [{ name: "t" }] } });
    const undeclared = await responseConform(
      req(),
      NextResponse.json({ thing: { id: "a", tags: [], at: null, hash: "h" } }, { status: 202 }),
      responses,
    );
    expect(await undeclared.json()).toEqual({ thing: { id: "a", tags: [], at: null } });
  });

  it("leaves error answers to the error type", async () => {
    const res = NextResponse.json({ error: { code: "not_found", message: "x" } }, { status: 404 });
    expect(await responseConform(req(), res, responses)).toBe(res);
  });
});

describe("pruneToSchema", () => {
  it("walks optional, nullable, records, unions and pipes", () => {
    const S = z.object({
      a: z.object({ b: z.string() }).optional(),
      r: z.record(z.string(), z.object({ n: z.number() })),
      u: z.union([
        z.object({ kind: z.literal("x"), x: z.number() }),
        z.object({ kind: z.literal("y"), y: z.number() }),
      ]),
      p: z.string().transform((s) => s.length),
    });
    expect(
      pruneToSchema(S, { a: { b: "1", c: 2 }, r: { k: { n: 1, m: 2 } }, u: { kind: "y", y: 1, z: 3 }, p: "s", q: 1 }),
    ).toEqual({
      a: { b: "1" },
      r: { k: { n: 1 } },
      u: { kind: "y", y: 1 },
      p: "s",
    });
  });
});

describe("params and query", () => {
  it("a path parameter that does not fit is a 404 naming it; the query is parsed with its schema", () => {
    const P = z.object({ id: z.string().max(3) });
    expect(paramsParse(P, { id: "abc" })).toEqual({ id: "abc" });
    expect(() => paramsParse(P, { id: "abcd" })).toThrow(
      expect.objectContaining({ code: "not_found", message: expect.stringContaining("id") }),
    );
    expect(queryParse(z.object({ limit: z.coerce.number() }), req())).toEqual({ limit: 5 });
    expect(() => queryParse(z.object({ limit: z.coerce.number().max(2) }), req())).toThrow(z.ZodError);
  });
});

describe("through the route wrapper", () => {
  it("a handler whose answer breaks its schema is a 500 that leaks nothing (test environment)", async () => {
    const { publicRoute } = await import("./route");
    const GET = publicRoute({ anonymous: true, responses: { 200: z.object({ id: z.string() }) } }, async () =>
      NextResponse.json({ id: 7, passwordHash: "x" }),
    );
    const res = await GET(req(), { params: Promise.resolve({}) });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: "internal", message: "Internal error" } });
    const ok = publicRoute({ anonymous: true, responses: { 200: z.object({ id: z.string() }) } }, async () =>
      NextResponse.json({ id: "7", passwordHash: "x" }),
    );
    expect(await (await ok(req(), { params: Promise.resolve({}) })).json()).toEqual({ id: "7" });
  });
});
