import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { HostUpdateSchema, hostGet } from "@/lib/fleet/hosts";
import { hostEdit, hostRemove } from "@/lib/fleet/host-admin";
import { IdParamsSchema, OkSchema } from "@/lib/contracts/api/common";
import { HostResponseSchema } from "@/lib/contracts/api/fleet";

type P = { id: string };

export const GET = userRoute<undefined, P>(
  {
    params: IdParamsSchema,
    responses: { 200: HostResponseSchema },
    privilege: "host.view",
    target: ({ params }) => ({ hostId: params.id }),
  },
  async ({ params }) => {
    return NextResponse.json({ host: await hostGet(params.id) });
  },
);

/**
 * Name and domain type: host.manage on the host. Address, port, SSH user and libvirt URI say
 * which machine the record (and every grant on it) reaches: host.manage globally.
 */
export const PATCH = userRoute<typeof HostUpdateSchema, P>(
  {
    params: IdParamsSchema,
    responses: { 200: HostResponseSchema },
    privilege: "host.manage",
    body: HostUpdateSchema,
    target: ({ params }) => ({ hostId: params.id }),
  },
  async ({ req, caller, ip, params, body }) => {
    const host = await hostEdit(caller, params.id, body, { ip, method: req.method, path: req.nextUrl.pathname });
    return NextResponse.json({ host });
  },
);

export const DELETE = userRoute<undefined, P>(
  {
    params: IdParamsSchema,
    responses: { 200: OkSchema },
    privilege: "host.manage",
    target: ({ params }) => ({ hostId: params.id }),
  },
  async ({ caller, params }) => {
    await hostRemove(caller, params.id);
    return NextResponse.json({ ok: true });
  },
);
