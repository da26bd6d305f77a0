import "server-only";
import { attr, child, children, parseXmlRoot } from "@/lib/libvirt/xml";

/**
 * Whether the live display of that type asks for a password that has already expired: a VM virtdeck
 * created locked (lib/libvirt/domain-xml-create.ts), or one whose last per-console password ran out.
 * Nobody can log in to such a display until a fresh password is set, so replacing it takes nothing
 * from anyone. libvirt shows passwdValidTo (UTC, no zone) without --security-info; the password itself
 * it hides. https://libvirt.org/formatdomain.html#graphical-framebuffers
 */
export function consoleDisplayExpired(liveDomainXml: string, type: "vnc" | "spice", now = Date.now()): boolean {
  const domain = parseXmlRoot(liveDomainXml, "domain");
  const graphics = children(child(domain, "devices"), "graphics").find((g) => attr(g, "type") === type);
  const validTo = attr(graphics, "passwdValidTo");
  if (!validTo) return false;
  const at = Date.parse(`${validTo}Z`);
  return Number.isFinite(at) && at <= now;
}
