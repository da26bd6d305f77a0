/**
 * A virt-viewer connection file (.vv) for remote-viewer: it reaches the guest only through virtdeck,
 * which it names as its HTTP proxy; `host` carries the one-time ticket (the CONNECT target), the
 * password is the console's short-lived SPICE password. Format: GLib key file, section
 * [virt-viewer] (remote-viewer(1), CONNECTION FILE).
 */
export interface VvFileInput {
  /** CONNECT target host: `vd-<ticket>`. */
  host: string;
  /** Absent when the display was started without password auth (QEMU then takes none). */
  password?: string;
  /** The app's origin as the browser sees it, e.g. http://127.0.0.1:3000. */
  proxy: string;
  title: string;
}

/** GLib key-file value: no control characters; backslash escaped (g_key_file escapes \s \n \t \r \\). */
function keyFileValue(v: string): string {
  return v
    .replace(/[\x00-\x1f\x7f]/g, " ")
    .replace(/\\/g, "\\\\")
    .replace(/^ /, "\\s");
}

export function vvFile(o: VvFileInput): string {
  if (!/^https?:\/\/[^\s/]+$/.test(o.proxy)) throw new Error("proxy must be an http(s) origin");
  const lines = [
    "[virt-viewer]",
    "type=spice",
    `host=${keyFileValue(o.host)}`,
    // The CONNECT target's port is not used: the ticket alone names the VM.
    "port=5900",
    ...(o.password ? [`password=${keyFileValue(o.password)}`] : []),
    `proxy=${o.proxy}`,
    `title=${keyFileValue(o.title)}`,
    "delete-this-file=1",
    "release-cursor=shift+f12",
    "toggle-fullscreen=shift+f11",
    "secure-attention=ctrl+alt+end",
  ];
  return `${lines.join("\n")}\n`;
}

/** Host part of a .vv file's CONNECT target: `vd-<ticket>` (see proxy.ts consoleConnect). */
export const VV_HOST_PREFIX = "vd-";

/**
 * A .vv ticket as the CONNECT target's host name. GLib lower-cases host names (IDNA) before sending
 * CONNECT, so these tickets are hex, split into two DNS labels of 32: `vd-<32 hex>.<32 hex>`.
 */
export function vvHostOf(ticket: string): string {
  return `${VV_HOST_PREFIX}${ticket.slice(0, 32)}.${ticket.slice(32)}`;
}

/** The ticket from a CONNECT target's host name (any case), or null when it is not one. */
export function vvTicketOf(host: string): string | null {
  const m = /^vd-([0-9a-f]{32})\.([0-9a-f]{32})$/.exec(host.toLowerCase());
  return m ? m[1] + m[2] : null;
}
