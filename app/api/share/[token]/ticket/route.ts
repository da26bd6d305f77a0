import { NextResponse } from "next/server";
import { publicRoute } from "@/lib/http/route";
import { ShareTicketRequestSchema, shareTicketMint } from "@/lib/consoles/share-links";
import { ShareTokenParamsSchema } from "@/lib/contracts/api/common";
import { MintedTicketSchema } from "@/lib/contracts/api/consoles";

/**
 * Mints a console ticket through a share link: no account, the link is the credential.
 * Only the link's VM and console kind; view-only links mint view-only tickets.
 */
export const POST = publicRoute<typeof ShareTicketRequestSchema, { token: string }>(
  {
    params: ShareTokenParamsSchema,
    responses: { 201: MintedTicketSchema },
    body: ShareTicketRequestSchema,
  },
  async ({ ip, params, body }) => {
    return NextResponse.json(await shareTicketMint(params.token, body, ip), {
      status: 201,
      headers: { "cache-control": "no-store", "referrer-policy": "no-referrer" },
    });
  },
);
