import "server-only";
import { cache } from "react";
import { cookies, headers } from "next/headers";
import { createTranslator, type IntlError } from "use-intl/core";
import { LOCALE_COOKIE, LOCALES, type Locale, type Messages } from "@/lib/i18n/config";
import { catalogueLoad } from "@/lib/i18n/catalogue";
import { localeResolve } from "@/lib/i18n/negotiate";
import type { Metadata } from "next";

/**
 * Server side of the i18n layer.
 *
 *   const t = await getT("hosts");      // in a server component, page or route handler
 *   t("empty.title");                   // "No hosts yet"
 *   t("count", { count: 3 });           // ICU message syntax
 *
 * Client components use `useTranslations("hosts")` from "use-intl"; the root
 * layout hands every namespace to <I18nProvider>.
 */

/** The request's locale: `vd_locale` cookie, else Accept-Language, else "en". Cached per request. */
export const getLocale = cache(async (): Promise<Locale> => {
  const [jar, h] = await Promise.all([cookies(), headers()]);
  return localeResolve({ cookie: jar.get(LOCALE_COOKIE)?.value, acceptLanguage: h.get("accept-language") });
});

const loaded = new Map<Locale, Promise<Messages>>();

/**
 * Every namespace of a locale. Read from disk once per process in production;
 * re-read on each call in development so catalogue edits show up on reload.
 */
export function getMessages(locale: Locale): Promise<Messages> {
  if (process.env.NODE_ENV !== "production") return catalogueLoad(locale);
  let messages = loaded.get(locale);
  if (!messages) {
    messages = catalogueLoad(locale);
    // A failed read (a broken JSON file) must not be cached forever.
    messages.catch(() => loaded.delete(locale));
    loaded.set(locale, messages);
  }
  return messages;
}

/** The server's time zone, handed to the client provider so dates render the same on both sides. */
export function getTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

function onError(error: IntlError) {
  console.error(`i18n: ${error.message}`);
}

/** What getT returns: `t(key, values?)`, `t.rich`, `t.markup`, `t.raw`, `t.has`. Keys are plain strings. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- catalogues are discovered at run time, not typed
export type Translator = ReturnType<typeof createTranslator<Record<string, any>, never>>;

/**
 * A translator for one namespace (or a nested one: "vms.detail") in the request's
 * locale, or in `locale` when given (e.g. for text not tied to a request).
 */
export async function getT(namespace: string, locale?: Locale): Promise<Translator> {
  const lang = locale ?? (await getLocale());
  const messages = await getMessages(lang);
  // `as never`: the namespace is only known at run time, so it cannot narrow the key type.
  return createTranslator({ locale: lang, messages, namespace: namespace as never, onError, timeZone: getTimeZone() });
}

/** A page's generateMetadata: its title is the message `key` of `namespace`, in the reader's language. */
export function pageTitle(namespace: string, key: string): () => Promise<Metadata> {
  return async () => ({ title: (await getT(namespace))(key) });
}

export { LOCALES };
export type { Locale, Messages };
