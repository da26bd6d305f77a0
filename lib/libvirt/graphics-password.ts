import "server-only";
import { XMLSerializer } from "@xmldom/xmldom";
import { attr, children, child, parseXmlRoot } from "./xml";

/**
 * The <graphics> device for `virsh update-device --live` that sets a one-session password on a
 * running guest's VNC or SPICE display. libvirt refuses an update that changes anything but the
 * password settings (port, listen, autoport...), so this starts from the live XML's own element.
 * passwdValidTo is UTC; connected='keep' leaves viewers already connected alone.
 * https://libvirt.org/formatdomain.html#graphical-framebuffers
 */
export function graphicsPasswordXml(
  liveDomainXml: string,
  o: { type: "vnc" | "spice"; password: string; validTo: Date },
): string {
  if (!/^[\x21-\x7e]{1,64}$/.test(o.password))
    throw new Error("graphics password must be 1-64 printable ASCII characters");
  const domain = parseXmlRoot(liveDomainXml, "domain");
  const graphics = children(child(domain, "devices"), "graphics").find((g) => attr(g, "type") === o.type);
  if (!graphics) throw new Error(`the domain has no ${o.type} display`);
  // A detached copy: the rest of the domain stays out of the update.
  const el = graphics.cloneNode(true) as typeof graphics;
  el.setAttribute("passwd", o.password);
  el.setAttribute("passwdValidTo", libvirtUtc(o.validTo));
  el.setAttribute("connected", "keep");
  return new XMLSerializer().serializeToString(el);
}

/** libvirt's passwdValidTo format: YYYY-MM-DDTHH:MM:SS in UTC, no zone suffix. */
export function libvirtUtc(d: Date): string {
  return d.toISOString().slice(0, 19);
}
