import { NextResponse } from "next/server";
import { databasePing, dbBackendKind } from "@/lib/db/client";
import { appVersion } from "@/lib/version";
import { publicRoute } from "@/lib/http/route";
import { HealthSchema } from "@/lib/contracts/api/common";

export const dynamic = "force-dynamic";

/** Liveness/readiness probe for load balancers: no authentication, no secrets. */
export const GET = publicRoute(
  {
    anonymous: true,
    responses: { 200: HealthSchema, 503: HealthSchema },
  },
  async () => {
    const database = await databasePing();
    return NextResponse.json(
      {
        status: database ? "ok" : "degraded",
        version: appVersion(),
        database: { reachable: database, kind: dbBackendKind() },
      },
      { status: database ? 200 : 503, headers: { "cache-control": "no-store" } },
    );
  },
);
