import { z } from "zod";

/** True when `s` holds no C0 control character (tab and newlines included) nor DEL. */
export const noControlChars = (s: string) => !/[\u0000-\u001f\u007f]/.test(s);

/**
 * A name people type (a host, a template, an API token): NFC-normalised and trimmed, then 1 to 64
 * characters that pass `allowed` (no control characters unless the caller allows some).
 */
export function typedNameSchema(allowed: (s: string) => boolean = noControlChars) {
  return z
    .string({ error: "Name must be text" })
    .transform((s) => s.normalize("NFC").trim())
    .pipe(
      z
        .string()
        .min(1, "Name is required")
        .max(64, "Name must be at most 64 characters")
        .refine(allowed, "Name must not contain control characters"),
    );
}
