import "server-only";
import { z } from "zod";
import { AppError } from "@/lib/http/errors";

/** Helpers shared by the access-control administration modules (groups, roles, grants, tags). */
const IdSchema = z.uuid({ error: "Unknown id" });

export function parseId(id: string, what: string): string {
  const r = IdSchema.safeParse(id);
  if (!r.success) throw new AppError("not_found", `${what} not found`);
  return r.data.toLowerCase();
}
