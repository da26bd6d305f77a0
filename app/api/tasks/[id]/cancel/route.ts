import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { taskCancel } from "@/lib/tasks/tasks";

/** Cancels a queued or running task the caller may see (own, or any for admins). */
export const POST = userRoute<undefined, { id: string }>({}, async ({ session, ip, params }) => {
  return NextResponse.json({ task: await taskCancel({ session, ip }, params.id) });
});
