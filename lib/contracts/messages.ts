import { z } from "zod";

/**
 * Messages the server hands to the browser to translate: a key of a message catalogue
 * (messages/<locale>/<namespace>.json) and its ICU arguments. Safe for client components.
 */
export interface MessageRef {
  key: string;
  params?: Record<string, string | number>;
}

export const MessageRefSchema = z.object({
  key: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});
