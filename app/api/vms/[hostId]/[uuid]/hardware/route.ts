import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { VmEditSchema } from "@/lib/contracts/hardware";
import { vmHardware, vmHardwareEditAuthorized } from "@/lib/provisioning/vm-edit";
import { VmParamsSchema } from "@/lib/contracts/api/common";
import { VmEditResponseSchema, VmHardwareResponseSchema } from "@/lib/contracts/api/provisioning";

type P = { hostId: string; uuid: string };
const target = ({ params }: { params: P }) => ({ hostId: params.hostId, vmUuid: params.uuid });

/** The VM's editable hardware, live and persistent, with what applies after shutdown. */
export const GET = userRoute<undefined, P>(
  {
    params: VmParamsSchema,
    responses: { 200: VmHardwareResponseSchema },
    privilege: "vm.view",
    target,
  },
  async ({ params }) => {
    return NextResponse.json({ hardware: await vmHardware(params.hostId, params.uuid) });
  },
);

/** Edits: persistent definition first, then live where libvirt allows. A NIC on a host bridge also needs network.manage on the host. */
export const PATCH = userRoute<typeof VmEditSchema, P>(
  {
    params: VmParamsSchema,
    responses: { 200: VmEditResponseSchema },
    privilege: "vm.edit",
    body: VmEditSchema,
    target,
  },
  async ({ req, caller, ip, params, body }) => {
    return NextResponse.json(
      await vmHardwareEditAuthorized(caller, params.hostId, params.uuid, body, {
        ip,
        method: req.method,
        path: req.nextUrl.pathname,
      }),
    );
  },
);
