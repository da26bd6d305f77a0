import "server-only";
import { LibvirtParseError } from "./xml";

export interface Version {
  major: number;
  minor: number;
  micro: number;
  text: string;
}

export interface NamedVersion {
  /** "libvirt", "QEMU", ... */
  name: string;
  version: Version;
}

/** `virsh version` (optionally --daemon). The hypervisor line is absent when the driver has none. */
export interface VersionWire {
  compiledAgainst?: NamedVersion;
  library: NamedVersion;
  api?: NamedVersion;
  hypervisor?: NamedVersion;
  daemon?: Version;
}

function version(text: string): Version {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new LibvirtParseError("version", `not a version: ${text}`);
  return { major: Number(m[1]), minor: Number(m[2]), micro: Number(m[3] ?? 0), text };
}

function named(value: string): NamedVersion {
  const m = /^(.+?)\s+(\S+)$/.exec(value.trim());
  if (!m) throw new LibvirtParseError("version", `expected "<name> <version>", got ${value}`);
  return { name: m[1], version: version(m[2]) };
}

export function parseVersion(output: string): VersionWire {
  const fields = new Map<string, string>();
  for (const line of output.split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const library = fields.get("Using library");
  if (!library) throw new LibvirtParseError("version", "missing 'Using library'");
  const get = (key: string) => {
    const v = fields.get(key);
    return v === undefined ? undefined : named(v);
  };
  const out: VersionWire = { library: named(library) };
  const compiled = get("Compiled against library");
  const api = get("Using API");
  const hypervisor = get("Running hypervisor");
  const daemon = fields.get("Running against daemon");
  if (compiled) out.compiledAgainst = compiled;
  if (api) out.api = api;
  if (hypervisor) out.hypervisor = hypervisor;
  if (daemon) out.daemon = version(daemon);
  return out;
}

/** a >= b */
export function versionAtLeast(a: Version, major: number, minor = 0, micro = 0): boolean {
  return a.major !== major ? a.major > major : a.minor !== minor ? a.minor > minor : a.micro >= micro;
}
