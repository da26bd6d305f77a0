/** HTTP Range for volume downloads (RFC 9110 section 14): one range of bytes, resumable downloads. Pure. */

/** One byte range of a download (end inclusive). */
export interface DownloadRange {
  start: number;
  end: number;
}

/**
 * Parses one `bytes=a-b` / `bytes=a-` / `bytes=-n` range against `size`; null: serve the whole
 * volume; "unsatisfiable": answer 416. Several ranges are not offered (served whole).
 */
export function rangeParse(header: string | null, size: number): DownloadRange | null | "unsatisfiable" {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const n = Number(m[2]);
    if (!n || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (!Number.isSafeInteger(start) || start >= size || end < start) return "unsatisfiable";
  return { start, end };
}
