import { userRoute } from "@/lib/http/route";
import { IdParamsSchema } from "@/lib/contracts/api/common";
import { mediaResponse } from "@/lib/http/route-contract";
import { VolumeDownloadQuerySchema, storageVolumeDownload } from "@/lib/storage/volume-ops";

export const dynamic = "force-dynamic";

/** The volume's name as a download file name (ASCII, no quotes or separators). */
const fileName = (name: string) => name.replace(/[^A-Za-z0-9_.+-]/g, "_") || "volume";

/**
 * A volume's bytes, streamed from the host through the SSH connection (`vol-download`): the whole
 * volume, or one `Range: bytes=a-b` of it (206; 416 outside the volume) so a browser can resume.
 */
export const GET = userRoute<undefined, { id: string }, typeof VolumeDownloadQuerySchema>(
  {
    params: IdParamsSchema,
    query: VolumeDownloadQuerySchema,
    responses: {
      200: mediaResponse("application/octet-stream", "The volume's bytes"),
      206: mediaResponse(
        "application/octet-stream",
        "The requested range of the volume's bytes (Content-Range; 416 when it lies outside the volume)",
      ),
    },
    privilege: "storage.manage",
    target: ({ params }) => ({ hostId: params.id }),
  },
  async ({ caller, params, query, req }) => {
    const d = await storageVolumeDownload(caller, params.id, query, {
      range: req.headers.get("range"),
      ifRange: req.headers.get("if-range"),
    });
    const headers: Record<string, string> = {
      "content-type": "application/octet-stream",
      "content-disposition": `attachment; filename="${fileName(d.name)}"`,
      "accept-ranges": "bytes",
      etag: d.etag,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    };
    if (d.range === "unsatisfiable")
      return new Response(null, { status: 416, headers: { ...headers, "content-range": `bytes */${d.size}` } });
    if (d.range === null)
      return new Response(d.body, { status: 200, headers: { ...headers, "content-length": String(d.size) } });
    return new Response(d.body, {
      status: 206,
      headers: {
        ...headers,
        "content-length": String(d.range.end - d.range.start + 1),
        "content-range": `bytes ${d.range.start}-${d.range.end}/${d.size}`,
      },
    });
  },
);
