import { z } from "zod";

/**
 * Login names: letters (any script), digits and . _ - @, 1-64 characters, compared
 * lower-cased after NFC normalisation so "Élodie" and "élodie" are one account.
 */
export const UsernameSchema = z
  .string({ error: "Username must be text" })
  .transform((s) => s.normalize("NFC").trim().toLowerCase())
  .pipe(
    z
      .string()
      .min(1, "Username is required")
      .max(64, "Username must be at most 64 characters")
      .regex(/^[\p{L}\p{N}._@-]+$/u, "Username may contain only letters, digits and . _ - @"),
  );

/** Passwords: 8-256 characters of any script, NFC-normalised so the same keystrokes always match. */
export const PasswordSchema = z
  .string({ error: "Password must be text" })
  .transform((s) => s.normalize("NFC"))
  .pipe(
    z
      .string()
      .min(8, "Password must be at least 8 characters")
      .max(256, "Password must be at most 256 characters")
      .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "Password must not contain control characters"),
  );

/** Free-text display name: rendered as text, never as HTML. */
export const DisplayNameSchema = z
  .string({ error: "Display name must be text" })
  .transform((s) => s.normalize("NFC").trim())
  .pipe(
    z
      .string()
      .max(128, "Display name must be at most 128 characters")
      .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "Display name must not contain control characters"),
  );
