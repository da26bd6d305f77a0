import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { storageVolumeList } from "@/lib/storage/storage";

export const dynamic = "force-dynamic";

/** Volumes of one pool. */
export const GET = userRoute<undefined, { id: string; pool: string }>({ privilege: "host.view", target: ({ params }) => ({ hostId: params.id }) }, async ({ params }) => {
  return NextResponse.json({ volumes: await storageVolumeList({ hostId: params.id, pool: decodeURIComponent(params.pool) }) });
});
