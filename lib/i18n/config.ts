/**
 * Locale constants shared by server and client code. Nothing here touches the
 * file system, so client components may import it.
 */
export const LOCALES = ["en", "fr"] as const;
export type Locale = (typeof LOCALES)[number];

export const DEFAULT_LOCALE: Locale = "en";

/** Cookie holding the user's explicit choice; it wins over Accept-Language. */
export const LOCALE_COOKIE = "vd_locale";
export const LOCALE_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 3600;

/**
 * A catalogue: namespace -> nested messages, e.g. `{ hosts: { empty: { title: "..." } } }`.
 * Message keys are not typed: namespaces are discovered from the file system
 * (see catalogue.ts), and catalogue.test.ts checks that every locale has every key.
 */
export interface Messages {
  [namespace: string]: MessageTree;
}
export interface MessageTree {
  [key: string]: string | MessageTree;
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

declare module "use-intl" {
  interface AppConfig {
    Locale: Locale;
  }
}
