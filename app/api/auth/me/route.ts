import { callerAccount } from "@/lib/auth/account";
import { MeResponseSchema } from "@/lib/contracts/api/account";
import { jsonRoute } from "@/lib/http/json-route";

export const GET = jsonRoute({ responses: { 200: MeResponseSchema } }, async ({ caller }) => callerAccount(caller));
