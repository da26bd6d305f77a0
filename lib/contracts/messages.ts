/**
 * Messages the server hands to the browser to translate: a key of a message catalogue
 * (messages/<locale>/<namespace>.json) and its ICU arguments. Types only: safe for client components.
 */
export interface MessageRef {
  key: string;
  params?: Record<string, string | number>;
}
