/*
 * A minimal ISO 9660 image writer: one root directory of small files, with a Joliet tree so the
 * files keep their lower-case names with dashes (cloud-init's NoCloud wants `user-data`,
 * `meta-data`, `network-config` on a volume labelled `cidata`). Enough for a seed ISO; not a
 * general mastering tool (no subdirectories, no Rock Ridge, no El Torito).
 *
 * Layout (2048-byte sectors): 0-15 system area, 16 primary volume descriptor, 17 Joliet
 * supplementary descriptor, 18 terminator, 19-22 path tables (L/M for each tree), 23 root
 * directory (ISO names), 24 root directory (Joliet names), 25.. file data.
 * Reference: ECMA-119 (https://ecma-international.org/publications-and-standards/standards/ecma-119/)
 * and the Joliet specification (UCS-2, escape sequence %/E).
 */

const SECTOR = 2048;

export interface IsoFile {
  name: string;
  data: Buffer | string;
}

function both16(buf: Buffer, off: number, v: number): void {
  buf.writeUInt16LE(v, off);
  buf.writeUInt16BE(v, off + 2);
}

function both32(buf: Buffer, off: number, v: number): void {
  buf.writeUInt32LE(v, off);
  buf.writeUInt32BE(v, off + 4);
}

/** A space-padded ASCII field. */
function aField(buf: Buffer, off: number, len: number, s: string): void {
  buf.fill(0x20, off, off + len);
  buf.write(s.slice(0, len), off, "ascii");
}

/** A Joliet (UCS-2 big-endian) field padded with spaces. */
function jField(buf: Buffer, off: number, len: number, s: string): void {
  for (let i = 0; i + 1 < len; i += 2) buf.writeUInt16BE(0x0020, off + i);
  ucs2(s.slice(0, len >> 1)).copy(buf, off);
}

function ucs2(s: string): Buffer {
  const out = Buffer.alloc(s.length * 2);
  for (let i = 0; i < s.length; i++) out.writeUInt16BE(s.charCodeAt(i), i * 2);
  return out;
}

/** 17-byte volume descriptor date: YYYYMMDDHHMMSScc + GMT offset. */
function decDate(d: Date): Buffer {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const s = `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}00`;
  return Buffer.concat([Buffer.from(s, "ascii"), Buffer.from([0])]);
}

/** 7-byte directory record date. */
function recDate(d: Date): Buffer {
  return Buffer.from([
    d.getUTCFullYear() - 1900,
    d.getUTCMonth() + 1,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    0,
  ]);
}

function dirRecord(o: { name: Buffer; extent: number; size: number; dir: boolean; date: Date }): Buffer {
  const len = 33 + o.name.length + (o.name.length % 2 === 0 ? 1 : 0);
  const r = Buffer.alloc(len);
  r[0] = len;
  both32(r, 2, o.extent);
  both32(r, 10, o.size);
  recDate(o.date).copy(r, 18);
  r[25] = o.dir ? 2 : 0;
  both16(r, 28, 1);
  r[32] = o.name.length;
  o.name.copy(r, 33);
  return r;
}

/** ISO 9660 level 2 file identifier: upper-case d-characters, `.`, version `;1`. */
export function isoName(name: string): string {
  const upper = name.toUpperCase().replace(/[^A-Z0-9_.]/g, "_");
  const dot = upper.lastIndexOf(".");
  const base = (dot >= 0 ? upper.slice(0, dot) : upper).replace(/\./g, "_");
  const ext = dot >= 0 ? upper.slice(dot + 1) : "";
  return `${base.slice(0, 30 - ext.length)}.${ext};1`;
}

function pathTable(rootExtent: number, bigEndian: boolean): Buffer {
  const t = Buffer.alloc(10);
  t[0] = 1;
  if (bigEndian) t.writeUInt32BE(rootExtent, 2);
  else t.writeUInt32LE(rootExtent, 2);
  if (bigEndian) t.writeUInt16BE(1, 6);
  else t.writeUInt16LE(1, 6);
  return t;
}

interface PlacedFile {
  name: string;
  data: Buffer;
  /** First sector of the file's data. */
  extent: number;
}

/** Refuses names the image cannot hold, and two names that map to the same ISO 9660 identifier. */
function fileNamesCheck(files: { name: string }[]): void {
  const seen = new Set<string>();
  for (const f of files) {
    if (!f.name || f.name.length > 64 || /[\u0000-\u001f/;\\*:?"<>|]/.test(f.name))
      throw new Error(`Unusable ISO file name: ${JSON.stringify(f.name)}`);
    const key = isoName(f.name);
    if (seen.has(key)) throw new Error(`Two files map to the same ISO name ${key}`);
    seen.add(key);
  }
}

/** The root directory (one sector): `.`, `..`, then every file sorted by its identifier (ISO 9660 or Joliet). */
function rootDirectory(placed: PlacedFile[], joliet: boolean, self: number, date: Date): Buffer {
  const dot = dirRecord({ name: Buffer.from([0]), extent: self, size: SECTOR, dir: true, date });
  const dotdot = dirRecord({ name: Buffer.from([1]), extent: self, size: SECTOR, dir: true, date });
  const entries = placed
    .map((f) => ({ f, id: joliet ? ucs2(f.name) : Buffer.from(isoName(f.name), "ascii") }))
    .sort((a, b) => Buffer.compare(a.id, b.id))
    .map(({ f, id }) => dirRecord({ name: id, extent: f.extent, size: f.data.length, dir: false, date }));
  const all = Buffer.concat([dot, dotdot, ...entries]);
  if (all.length > SECTOR) throw new Error("Too many files for a one-sector root directory");
  return all;
}

/** Writes a primary (type 1) or Joliet supplementary (type 2) volume descriptor into its sector of `img`. */
function volumeDescriptorWrite(
  img: Buffer,
  o: {
    sector: number;
    type: 1 | 2;
    rootExtent: number;
    lTable: number;
    mTable: number;
    joliet: boolean;
    volumeId: string;
    totalSectors: number;
    date: Date;
  },
): void {
  const off = o.sector * SECTOR;
  const d = img.subarray(off, off + SECTOR);
  d[0] = o.type;
  d.write("CD001", 1, "ascii");
  d[6] = 1;
  const field = o.joliet ? jField : aField;
  field(d, 8, 32, "LINUX");
  field(d, 40, 32, o.volumeId);
  both32(d, 80, o.totalSectors);
  if (o.joliet) d.write("%/E", 88, "ascii");
  both16(d, 120, 1);
  both16(d, 124, 1);
  both16(d, 128, SECTOR);
  both32(d, 132, 10);
  d.writeUInt32LE(o.lTable, 140);
  d.writeUInt32BE(o.mTable, 148);
  dirRecord({ name: Buffer.from([0]), extent: o.rootExtent, size: SECTOR, dir: true, date: o.date }).copy(d, 156);
  for (const [at, len] of [
    [190, 128],
    [318, 128],
    [446, 128],
    [574, 128],
    [702, 37],
    [739, 37],
    [776, 37],
  ] as const) {
    field(d, at, len, at === 574 ? "VIRTDECK" : "");
  }
  decDate(o.date).copy(d, 813);
  decDate(o.date).copy(d, 830);
  Buffer.from("0000000000000000\0", "ascii").copy(d, 847);
  Buffer.from("0000000000000000\0", "ascii").copy(d, 864);
  d[881] = 1;
}

/** Builds the image. Names must be unique, at most 64 characters, without '/', ';' or control characters. */
export function iso9660Build(o: { volumeId: string; files: IsoFile[]; date?: Date }): Buffer {
  const date = o.date ?? new Date();
  const files = o.files.map((f) => ({
    name: f.name,
    data: Buffer.isBuffer(f.data) ? f.data : Buffer.from(f.data, "utf8"),
  }));
  fileNamesCheck(files);
  const ROOT_ISO = 23;
  const ROOT_JOLIET = 24;
  let next = 25;
  const placed: PlacedFile[] = files.map((f) => {
    const extent = next;
    next += Math.max(1, Math.ceil(f.data.length / SECTOR));
    return { ...f, extent };
  });
  const totalSectors = next;

  const img = Buffer.alloc(totalSectors * SECTOR);
  const common = { volumeId: o.volumeId, totalSectors, date };
  volumeDescriptorWrite(img, {
    sector: 16,
    type: 1,
    rootExtent: ROOT_ISO,
    lTable: 19,
    mTable: 20,
    joliet: false,
    ...common,
  });
  volumeDescriptorWrite(img, {
    sector: 17,
    type: 2,
    rootExtent: ROOT_JOLIET,
    lTable: 21,
    mTable: 22,
    joliet: true,
    ...common,
  });
  const term = img.subarray(18 * SECTOR);
  term[0] = 255;
  term.write("CD001", 1, "ascii");
  term[6] = 1;
  pathTable(ROOT_ISO, false).copy(img, 19 * SECTOR);
  pathTable(ROOT_ISO, true).copy(img, 20 * SECTOR);
  pathTable(ROOT_JOLIET, false).copy(img, 21 * SECTOR);
  pathTable(ROOT_JOLIET, true).copy(img, 22 * SECTOR);
  rootDirectory(placed, false, ROOT_ISO, date).copy(img, ROOT_ISO * SECTOR);
  rootDirectory(placed, true, ROOT_JOLIET, date).copy(img, ROOT_JOLIET * SECTOR);
  for (const f of placed) f.data.copy(img, f.extent * SECTOR);
  return img;
}
