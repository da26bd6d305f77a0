import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { storagePoolList } from "@/lib/storage/storage";

export const dynamic = "force-dynamic";

/** The host's storage pools with capacity, allocation and available bytes. */
export const GET = userRoute<undefined, { id: string }>({ privilege: "host.view", target: ({ params }) => ({ hostId: params.id }) }, async ({ params }) => {
  return NextResponse.json({ pools: await storagePoolList({ hostId: params.id }) });
});
