import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { vmAddresses } from "@/lib/fleet/vms";
import { VmParamsSchema } from "@/lib/contracts/api/common";
import { VmAddressesResponseSchema } from "@/lib/contracts/api/fleet";

/** A VM's IP addresses now: DHCP leases, the guest agent when connected, the host's ARP table. */
export const GET = userRoute<undefined, { hostId: string; uuid: string }>(
  {
    params: VmParamsSchema,
    responses: { 200: VmAddressesResponseSchema },
    privilege: "vm.view",
    target: ({ params }) => ({ hostId: params.hostId, vmUuid: params.uuid }),
  },
  async ({ params }) => {
    return NextResponse.json(await vmAddresses(params.hostId, params.uuid), {
      headers: { "cache-control": "no-store" },
    });
  },
);
