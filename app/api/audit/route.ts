import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { AuditQuerySchema, auditList } from "@/lib/audit/audit";

export const GET = userRoute({ privilege: "audit.view" }, async ({ req }) => {
  const query = AuditQuerySchema.parse(Object.fromEntries(req.nextUrl.searchParams));
  return NextResponse.json(await auditList(query));
});
