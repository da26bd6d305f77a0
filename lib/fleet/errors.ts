import "server-only";
/** Kept for existing imports: the mapping lives with the host client (lib/hosts/client-errors.ts). */
export { hostErrorToApp, virshMessage } from "@/lib/hosts/client-errors";
