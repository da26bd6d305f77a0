import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { AuditQuerySchema, auditList } from "@/lib/audit/audit";
import { AuditListResponseSchema } from "@/lib/contracts/api/tasks";

export const GET = userRoute(
  {
    query: AuditQuerySchema,
    responses: { 200: AuditListResponseSchema },
    privilege: "audit.view",
  },
  async ({ query }) => {
    return NextResponse.json(await auditList(query));
  },
);
