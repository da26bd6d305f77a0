import { DEFAULT_LOCALE, isLocale, type Locale } from "@/lib/i18n/config";

/**
 * Picks the best supported locale from an Accept-Language header
 * ("fr-CA,fr;q=0.9,en;q=0.8"), matching on the primary language subtag.
 * Returns null when the header names nothing we support.
 */
export function localeFromAcceptLanguage(header: string | null | undefined): Locale | null {
  if (!header) return null;
  const ranges = header
    .slice(0, 1024)
    .split(",")
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      const quality = q ? Number(q.slice(2)) : 1;
      return {
        language: tag.trim().toLowerCase().split("-")[0] ?? "",
        quality: Number.isFinite(quality) ? quality : 0,
        index,
      };
    })
    .filter((r) => r.quality > 0 && r.language)
    // Highest quality first; the header's own order breaks ties.
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  for (const range of ranges) {
    if (range.language === "*") return DEFAULT_LOCALE;
    if (isLocale(range.language)) return range.language;
  }
  return null;
}

/** The request's locale: the `vd_locale` cookie, else Accept-Language, else English. */
export function localeResolve(input: { cookie?: string | null; acceptLanguage?: string | null }): Locale {
  if (isLocale(input.cookie)) return input.cookie;
  return localeFromAcceptLanguage(input.acceptLanguage) ?? DEFAULT_LOCALE;
}
