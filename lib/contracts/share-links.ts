/**
 * Console share links' wire types (/api/vms/:hostId/:uuid/share-links,
 * /api/share-links/:id, /api/share/:token/ticket): built by
 * lib/consoles/share-links.ts, read by components/share. Types and constants only.
 */

/** SecurityPolicy.shareLinkMaxHours when no policy row exists yet. */
export const SHARE_LINK_DEFAULT_MAX_HOURS = 24;

/** A link's secret: 32 random bytes, base64url (43 characters). */
export const SHARE_TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

/** Durations the Share dialog offers, in minutes (those within the policy's maximum). */
export const SHARE_DURATIONS_MINUTES = [15, 60, 240, 480, 1440, 4320, 10080] as const;

export type ShareConsoleKind = "vnc" | "spice" | "serial";

export interface ShareLinkView {
  id: string;
  hostId: string;
  vmUuid: string;
  vmName: string;
  kind: ShareConsoleKind;
  viewOnly: boolean;
  singleUse: boolean;
  createdBy: { id: string; username: string };
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  uses: number;
  lastUsedAt: string | null;
  state: "active" | "expired" | "revoked" | "used";
}

/** 201 of POST /api/vms/:hostId/:uuid/share-links: the token is shown once. */
export interface ShareLinkCreated {
  link: ShareLinkView;
  /** Path of the public page, `/share/<token>`: the browser prefixes its origin. */
  path: string;
}
