import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { HostCreateSchema, hostCreate, hostsList } from "@/lib/fleet/hosts";

export const GET = userRoute({ privilege: "host.view" }, async () => {
  return NextResponse.json({ hosts: await hostsList() });
});

export const POST = userRoute({ privilege: "host.manage", body: HostCreateSchema }, async ({ session, ip, body }) => {
  return NextResponse.json({ host: await hostCreate({ session, ip }, body) }, { status: 201 });
});
