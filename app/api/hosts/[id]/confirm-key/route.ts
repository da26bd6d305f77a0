import { z } from "zod";
import { FingerprintSchema } from "@/lib/fleet/hosts";
import { hostKeyAccept } from "@/lib/fleet/host-admin";
import { HostResponseSchema } from "@/lib/contracts/api/fleet";
import { hostRoute } from "@/lib/http/json-route";

const Body = z.object({ fingerprint: FingerprintSchema }).strict();

export const POST = hostRoute(
  { responses: { 200: HostResponseSchema }, privilege: "host.manage", body: Body },
  async ({ caller, params, body }) => ({ host: await hostKeyAccept(caller, params.id, body.fingerprint) }),
);
