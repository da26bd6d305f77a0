import "server-only";
import { Prisma } from "@/lib/generated/prisma/client";
import { AppError, type FieldIssue } from "@/lib/http/errors";

/** True when a write broke a unique constraint (Prisma P2002): typically a name already taken. */
export function uniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";
}

/**
 * `work`, with a unique-constraint violation answered as a 409 saying `message` (and the field
 * `issues`, when given): the database has the last word on a name two requests race to take.
 */
export async function conflictOnUnique<T>(work: Promise<T>, message: string, issues?: FieldIssue[]): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (uniqueViolation(err)) throw new AppError("conflict", message, issues ? { issues } : {});
    throw err;
  }
}

/** The row, or a 404 naming what was looked for ("Host not found"). */
export function foundOrThrow<T>(row: T | null | undefined, what: string): T {
  if (row === null || row === undefined) throw new AppError("not_found", `${what} not found`);
  return row;
}
