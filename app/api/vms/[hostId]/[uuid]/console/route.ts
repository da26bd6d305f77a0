import { vmRoute } from "@/lib/http/json-route";
import { AppError } from "@/lib/http/errors";
import { ConsoleRequestSchema, consoleHolders, consoleTicketMint } from "@/lib/consoles/tickets";
import { DomainUuidSchema } from "@/lib/contracts/libvirt";
import { hostGet } from "@/lib/fleet/hosts";
import { ConsoleHoldersResponseSchema, MintedTicketSchema } from "@/lib/contracts/api/consoles";

/** Who holds this VM's consoles now. */
export const GET = vmRoute(
  { responses: { 200: ConsoleHoldersResponseSchema }, privilege: "vm.view" },
  async ({ params }) => {
    const host = await hostGet(params.hostId);
    const uuid = DomainUuidSchema.safeParse(params.uuid);
    if (!uuid.success) throw new AppError("not_found", "VM not found");
    return { sessions: await consoleHolders(host.id, uuid.data) };
  },
);

/** Mints a one-time console ticket for the caller's session. */
export const POST = vmRoute(
  { responses: { 201: MintedTicketSchema }, privilege: "vm.console", body: ConsoleRequestSchema },
  async ({ caller, params, body }) => consoleTicketMint(caller, params.hostId, params.uuid, body),
);
