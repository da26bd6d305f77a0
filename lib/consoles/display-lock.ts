import "server-only";
import { attr, child, children, parseXmlRoot } from "@/lib/libvirt/xml";

/**
 * Whether the live display of that type asks for a time-limited password (libvirt shows
 * passwdValidTo), expired or still running: a VM virtdeck created locked
 * (lib/libvirt/domain-xml-create.ts), or one given a per-console password by an earlier ticket. A
 * viewer gets in only with a password virtdeck sets for it, whether or not per-console VNC passwords
 * are switched on now; a fresh one does not disconnect viewers already in (QEMU keeps them).
 * libvirt shows passwdValidTo (UTC, no zone) without --security-info; the password itself it hides.
 * https://libvirt.org/formatdomain.html#graphical-framebuffers
 */
export function consoleDisplayTimeLimited(liveDomainXml: string, type: "vnc" | "spice"): boolean {
  const domain = parseXmlRoot(liveDomainXml, "domain");
  const graphics = children(child(domain, "devices"), "graphics").find((g) => attr(g, "type") === type);
  return Boolean(attr(graphics, "passwdValidTo"));
}
