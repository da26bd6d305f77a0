import { tagsList } from "@/lib/authz/tags";
import { TagsResponseSchema } from "@/lib/contracts/api/access";
import { jsonRoute } from "@/lib/http/json-route";

/** Every VM tag in use (for granting a role on a tag). */
export const GET = jsonRoute({ responses: { 200: TagsResponseSchema }, privilege: "user.manage" }, async () => ({
  tags: await tagsList(),
}));
