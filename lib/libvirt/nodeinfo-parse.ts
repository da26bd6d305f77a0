import "server-only";
import { LibvirtParseError } from "./xml";

/** `virsh nodeinfo` (run with LC_ALL=C.UTF-8, see lib/hosts/virsh-command.ts). */
export interface NodeInfoWire {
  cpuModel: string;
  cpus: number;
  mhz: number;
  sockets: number;
  coresPerSocket: number;
  threadsPerCore: number;
  numaCells: number;
  memoryKiB: number;
}

const FIELDS: Record<string, Exclude<keyof NodeInfoWire, "cpuModel">> = {
  "CPU(s)": "cpus",
  "CPU frequency": "mhz",
  "CPU socket(s)": "sockets",
  "Core(s) per socket": "coresPerSocket",
  "Thread(s) per core": "threadsPerCore",
  "NUMA cell(s)": "numaCells",
  "Memory size": "memoryKiB",
};

export function parseNodeInfo(output: string): NodeInfoWire {
  const out: Partial<NodeInfoWire> = {};
  for (const line of output.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key === "CPU model") out.cpuModel = value;
    const field = FIELDS[key];
    if (field) {
      // "2599 MHz", "6252748 KiB": the number comes first.
      const n = /^(\d+)/.exec(value);
      if (!n) throw new LibvirtParseError("nodeinfo", `bad value for ${key}: ${value}`);
      out[field] = Number(n[1]);
    }
  }
  const missing = ["cpuModel", ...Object.values(FIELDS)].filter((k) => out[k as keyof NodeInfoWire] === undefined);
  if (missing.length) throw new LibvirtParseError("nodeinfo", `missing ${missing.join(", ")}`);
  return out as NodeInfoWire;
}
