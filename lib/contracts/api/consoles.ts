import { z } from "zod";
import { IsoDateSchema } from "@/lib/contracts/api/common";

/** Answers of the console routes (tickets, holders, share links). */

const ConsoleKindSchema = z.enum(["vnc", "spice", "serial"]);

export const ConsoleHoldersResponseSchema = z.object({
  sessions: z.array(
    z.object({ username: z.string(), kind: ConsoleKindSchema, viewOnly: z.boolean(), since: IsoDateSchema }),
  ),
});

export const MintedTicketSchema = z.object({
  ticket: z.string(),
  url: z.string(),
  expiresAt: IsoDateSchema,
  viewOnly: z.boolean(),
  kind: ConsoleKindSchema,
  password: z.string().optional(),
});

export const ShareLinkViewSchema = z.object({
  id: z.string(),
  hostId: z.string(),
  vmUuid: z.string(),
  vmName: z.string(),
  kind: ConsoleKindSchema,
  viewOnly: z.boolean(),
  singleUse: z.boolean(),
  createdBy: z.object({ id: z.string(), username: z.string() }),
  createdAt: IsoDateSchema,
  expiresAt: IsoDateSchema,
  revokedAt: IsoDateSchema.nullable(),
  uses: z.number(),
  lastUsedAt: IsoDateSchema.nullable(),
  state: z.enum(["active", "expired", "revoked", "used"]),
});
export const ShareLinkListResponseSchema = z.object({
  links: z.array(ShareLinkViewSchema),
  all: z.boolean(),
  maxHours: z.number(),
});
export const ShareLinkCreatedResponseSchema = z.object({ link: ShareLinkViewSchema, path: z.string() });
export const ShareLinkResponseSchema = z.object({ link: ShareLinkViewSchema });
