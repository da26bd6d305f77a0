"use client";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { useLocale, useTranslations } from "use-intl";
import { Menu, MenuRadioItem } from "@/components/ui/menu";
import { GlobeIcon } from "@/components/ui/icons";
import { Alert } from "@/components/ui/alert";
import { LOCALES, type Locale } from "@/lib/i18n/config";

/**
 * Language menu. Stores the choice in the `vd_locale` cookie through
 * POST /api/preferences/locale, then re-renders the server components.
 */
export function LocaleSwitch() {
  const t = useTranslations("shell.locale");
  const locale = useLocale();
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [failed, setFailed] = useState(false);

  async function choose(next: Locale) {
    if (next === locale) return;
    setFailed(false);
    try {
      const res = await fetch("/api/preferences/locale", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ locale: next }),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      startTransition(() => router.refresh());
    } catch {
      setFailed(true);
    }
  }

  return (
    <div className="relative">
      <Menu
        label={t("current", { language: t(locale) })}
        trigger={
          <>
            <GlobeIcon className={pending ? "size-5 animate-pulse" : "size-5"} />
            <span className="text-xs font-semibold uppercase">{locale}</span>
          </>
        }
        triggerClassName="px-2"
        testId="locale-switch"
      >
        {LOCALES.map((option) => (
          // Each language is named in itself, so a reader can find their own.
          <MenuRadioItem
            key={option}
            lang={option}
            checked={locale === option}
            onSelect={() => choose(option)}
            testId={`locale-${option}`}
          >
            {t(option)}
          </MenuRadioItem>
        ))}
      </Menu>
      {failed ? (
        <div className="absolute top-full right-0 z-50 mt-2 w-64">
          <Alert tone="error" onDismiss={() => setFailed(false)} testId="locale-error">
            {t("failed")}
          </Alert>
        </div>
      ) : null}
    </div>
  );
}
