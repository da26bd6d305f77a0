import { z } from "zod";

/**
 * Value validators for libvirt identifiers, shared by the server (virsh argv allow-list, services,
 * routes) and the browser. Pure zod: nothing server-only.
 */
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const DomainUuidSchema = z
  .string()
  .regex(UUID_RE, "domain references must be UUIDs")
  .transform((s) => s.toLowerCase());

/**
 * The libvirt connection URIs virtdeck accepts, as seen from the host itself: the local system or
 * session daemon, nothing else. A transport (`qemu+ext://...?command=/bin/x`, `qemu+ssh://`) or a
 * query would make virsh run a program or reach another machine on every connection.
 */
export const LIBVIRT_URIS = ["qemu:///system", "qemu:///session"] as const;
export type LibvirtUri = (typeof LIBVIRT_URIS)[number];

export const LibvirtUriSchema = z
  .string({ error: "Libvirt URI must be text" })
  .refine(
    (s): s is LibvirtUri => (LIBVIRT_URIS as readonly string[]).includes(s),
    "Libvirt URI must be qemu:///system or qemu:///session",
  );
