import { hostInfo } from "@/lib/fleet/host-info";
import { HostInfoResponseSchema } from "@/lib/contracts/api/fleet";
import { hostRoute } from "@/lib/http/json-route";

export const GET = hostRoute(
  { responses: { 200: HostInfoResponseSchema }, privilege: "host.view" },
  async ({ params }) => ({ info: await hostInfo(params.id) }),
);
