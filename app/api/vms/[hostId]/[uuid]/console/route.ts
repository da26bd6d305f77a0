import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { AppError } from "@/lib/http/errors";
import { ConsoleRequestSchema, consoleHolders, consoleTicketMint } from "@/lib/consoles/tickets";
import { DomainUuidSchema } from "@/lib/contracts/libvirt";
import { hostGet } from "@/lib/fleet/hosts";
import { VmParamsSchema } from "@/lib/contracts/api/common";
import { ConsoleHoldersResponseSchema, MintedTicketSchema } from "@/lib/contracts/api/consoles";

type P = { hostId: string; uuid: string };

/** Who holds this VM's consoles now. */
export const GET = userRoute<undefined, P>(
  {
    params: VmParamsSchema,
    responses: { 200: ConsoleHoldersResponseSchema },
    privilege: "vm.view",
    target: ({ params }) => ({ hostId: params.hostId, vmUuid: params.uuid }),
  },
  async ({ params }) => {
    const host = await hostGet(params.hostId);
    const uuid = DomainUuidSchema.safeParse(params.uuid);
    if (!uuid.success) throw new AppError("not_found", "VM not found");
    return NextResponse.json({ sessions: await consoleHolders(host.id, uuid.data) });
  },
);

/** Mints a one-time console ticket for the caller's session. */
export const POST = userRoute<typeof ConsoleRequestSchema, P>(
  {
    params: VmParamsSchema,
    responses: { 201: MintedTicketSchema },
    privilege: "vm.console",
    body: ConsoleRequestSchema,
    target: ({ params }) => ({ hostId: params.hostId, vmUuid: params.uuid }),
  },
  async ({ caller, params, body }) => {
    return NextResponse.json(await consoleTicketMint(caller, params.hostId, params.uuid, body), { status: 201 });
  },
);
