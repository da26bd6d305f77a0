import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { tagsList } from "@/lib/authz/tags";
import { TagsResponseSchema } from "@/lib/contracts/api/access";

/** Every VM tag in use (for granting a role on a tag). */
export const GET = userRoute(
  {
    responses: { 200: TagsResponseSchema },
    privilege: "user.manage",
  },
  async () => {
    return NextResponse.json({ tags: await tagsList() });
  },
);
