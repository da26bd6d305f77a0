"use client";
import type { ReactNode } from "react";
import { IntlProvider, IntlErrorCode, type IntlError } from "use-intl";
import type { Locale, Messages } from "@/lib/i18n/config";

function onError(error: IntlError) {
  // A missing message renders as "namespace.key"; say so loudly in development only.
  if (process.env.NODE_ENV !== "production" || error.code !== IntlErrorCode.MISSING_MESSAGE)
    console.error(`i18n: ${error.message}`);
}

/**
 * Gives client components `useTranslations(namespace)`, `useLocale()` and
 * `useFormatter()`. The root layout renders it with the request's locale and
 * every namespace of that locale (lib/i18n/server.ts).
 */
export function I18nProvider({
  locale,
  messages,
  timeZone,
  children,
}: {
  locale: Locale;
  messages: Messages;
  timeZone?: string;
  children: ReactNode;
}) {
  return (
    <IntlProvider locale={locale} messages={messages} timeZone={timeZone} onError={onError}>
      {children}
    </IntlProvider>
  );
}
