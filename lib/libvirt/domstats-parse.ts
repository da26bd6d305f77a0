import "server-only";
import { vmStateFromNumber, type VmState } from "./vm-state";
import { LibvirtParseError } from "./xml";

/*
 * `virsh domstats --raw` -> one record per domain. Format (tools/virsh-domain-monitor.c):
 *
 *   Domain: 'NAME'
 *     key=value
 *     ...
 *   <blank line>
 *
 * NAME is printed verbatim between the quotes, so it may itself contain quotes; libvirt forbids
 * newlines in names, so one line is one header. Keys: https://libvirt.org/manpages/virsh.html#domstats
 * Numbers are exact up to 2^53; cpu.time (ns, summed over vCPUs) passes that after ~104 CPU-days.
 */

export interface DomstatsBlockWire {
  name: string;
  path?: string;
  rdBytes?: number;
  wrBytes?: number;
  capacity?: number;
  allocation?: number;
  physical?: number;
}

export interface DomstatsNetWire {
  name: string;
  rxBytes?: number;
  txBytes?: number;
}

export interface DomstatsWire {
  name: string;
  state?: VmState;
  /** Raw virDomain*Reason for the state. */
  stateReason?: number;
  /** Total CPU time in nanoseconds. */
  cpuTimeNs?: number;
  balloonCurrentKiB?: number;
  balloonMaximumKiB?: number;
  /** Resident memory of the QEMU process, KiB (running guests only). */
  balloonRssKiB?: number;
  vcpuCurrent?: number;
  vcpuMaximum?: number;
  blocks: DomstatsBlockWire[];
  nets: DomstatsNetWire[];
  /** Every key=value as printed, for fields not lifted above. */
  raw: Record<string, string>;
}

const HEADER = /^Domain: '(.*)'$/;

export function parseDomstats(output: string): DomstatsWire[] {
  const records: DomstatsWire[] = [];
  let current: DomstatsWire | undefined;
  const lines = output.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "") continue;
    const header = HEADER.exec(line);
    if (header) {
      current = { name: header[1], blocks: [], nets: [], raw: {} };
      records.push(current);
      continue;
    }
    const eq = line.indexOf("=");
    if (!current || !/^\s/.test(line) || eq < 0) {
      throw new LibvirtParseError("domstats", `unexpected line ${i + 1}: ${JSON.stringify(line.slice(0, 80))}`);
    }
    current.raw[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  for (const r of records) lift(r);
  return records;
}

function num(raw: Record<string, string>, key: string): number | undefined {
  const v = raw[key];
  if (v === undefined || !/^-?\d+(\.\d+)?$/.test(v)) return undefined;
  return Number(v);
}

function lift(r: DomstatsWire): void {
  const { raw } = r;
  const state = num(raw, "state.state");
  const set = <K extends keyof DomstatsWire>(k: K, v: DomstatsWire[K] | undefined) => {
    if (v !== undefined) r[k] = v;
  };
  set("state", state === undefined ? undefined : vmStateFromNumber(state));
  set("stateReason", num(raw, "state.reason"));
  set("cpuTimeNs", num(raw, "cpu.time"));
  set("balloonCurrentKiB", num(raw, "balloon.current"));
  set("balloonMaximumKiB", num(raw, "balloon.maximum"));
  set("balloonRssKiB", num(raw, "balloon.rss"));
  set("vcpuCurrent", num(raw, "vcpu.current"));
  set("vcpuMaximum", num(raw, "vcpu.maximum"));

  const blocks = num(raw, "block.count") ?? 0;
  for (let i = 0; i < blocks; i++) {
    const p = `block.${i}.`;
    const b: DomstatsBlockWire = { name: raw[`${p}name`] ?? "" };
    if (raw[`${p}path`] !== undefined) b.path = raw[`${p}path`];
    for (const [key, field] of [
      ["rd.bytes", "rdBytes"],
      ["wr.bytes", "wrBytes"],
      ["capacity", "capacity"],
      ["allocation", "allocation"],
      ["physical", "physical"],
    ] as const) {
      const v = num(raw, p + key);
      if (v !== undefined) b[field] = v;
    }
    r.blocks.push(b);
  }
  const nets = num(raw, "net.count") ?? 0;
  for (let i = 0; i < nets; i++) {
    const p = `net.${i}.`;
    const n: DomstatsNetWire = { name: raw[`${p}name`] ?? "" };
    const rx = num(raw, `${p}rx.bytes`);
    const tx = num(raw, `${p}tx.bytes`);
    if (rx !== undefined) n.rxBytes = rx;
    if (tx !== undefined) n.txBytes = tx;
    r.nets.push(n);
  }
}
