import { NextResponse } from "next/server";
import { publicRoute } from "@/lib/http/route";
import { openApiDocument } from "@/lib/http/openapi";
import { API_ROUTES } from "@/lib/http/openapi-routes";
import { appVersion } from "@/lib/version";
import { OpenApiDocumentSchema } from "@/lib/contracts/api/common";

let cached: Record<string, unknown> | undefined;

/** The OpenAPI 3.1 document of this API, generated from the route handlers and their zod schemas. */
export const GET = publicRoute(
  {
    responses: { 200: OpenApiDocumentSchema },
  },
  async () => {
    cached ??= openApiDocument(API_ROUTES, { version: appVersion() });
    return NextResponse.json(cached, { headers: { "cache-control": "no-cache" } });
  },
);
