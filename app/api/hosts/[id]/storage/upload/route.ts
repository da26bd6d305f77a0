import { NextResponse } from "next/server";
import { AppError } from "@/lib/http/errors";
import { userRoute } from "@/lib/http/route";
import { UploadQuerySchema, storageUpload, uploadFailureError } from "@/lib/storage/upload";
import { IdParamsSchema } from "@/lib/contracts/api/common";
import { UploadResponseSchema } from "@/lib/contracts/api/storage";

export const dynamic = "force-dynamic";

/**
 * Upload an ISO or disk image into a pool: the raw file is the request body
 * (application/octet-stream, streamed to the host, never buffered whole); pool,
 * name, format and size are query parameters. Answers with the finished task (201, or 200 when it
 * was cancelled); a failed upload answers with its error (naming the task).
 */
export const POST = userRoute<undefined, { id: string }, typeof UploadQuerySchema>(
  {
    params: IdParamsSchema,
    query: UploadQuerySchema,
    responses: { 200: UploadResponseSchema, 201: UploadResponseSchema },
    rawBody: "application/octet-stream",
    privilege: "storage.manage",
    target: ({ params }) => ({ hostId: params.id }),
  },
  async ({ req, caller, params, query }) => {
    if (!(req.headers.get("content-type") ?? "").toLowerCase().startsWith("application/octet-stream")) {
      throw new AppError("unsupported_media_type", "Send the file as application/octet-stream");
    }
    const declared = req.headers.get("content-length");
    if (declared !== null && Number(declared) !== query.size)
      throw new AppError("bad_request", "Content-Length does not match size");
    if (!req.body) throw new AppError("bad_request", "No file in the request");
    const task = await storageUpload(caller, params.id, query, req.body, req.signal);
    const failed = uploadFailureError(task);
    if (failed) throw failed;
    return NextResponse.json({ task }, { status: task.status === "succeeded" ? 201 : 200 });
  },
);
