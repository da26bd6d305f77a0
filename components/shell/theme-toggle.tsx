"use client";
import { useSyncExternalStore } from "react";
import { useTranslations } from "use-intl";
import { Menu, MenuRadioItem } from "@/components/ui/menu";
import { LaptopIcon, MoonIcon, SunIcon } from "@/components/ui/icons";
import { THEMES, themeRead, themeSubscribe, themeWrite, type Theme } from "@/components/shell/theme";

const ICONS: Record<Theme, typeof SunIcon> = { light: SunIcon, dark: MoonIcon, system: LaptopIcon };

/** Light / dark / system, remembered in localStorage (`vd_theme`). */
export function ThemeToggle() {
  const t = useTranslations("shell.theme");
  // The server cannot know the stored choice; it renders "system" and the
  // client corrects it after hydration (the page colors are already right).
  const theme = useSyncExternalStore(themeSubscribe, themeRead, () => "system" as const);
  const Current = ICONS[theme];
  return (
    <Menu label={t("current", { theme: t(theme) })} trigger={<Current className="size-5" />} testId="theme-toggle">
      {THEMES.map((option) => {
        const Icon = ICONS[option];
        return (
          <MenuRadioItem
            key={option}
            checked={theme === option}
            onSelect={() => themeWrite(option)}
            testId={`theme-${option}`}
          >
            <Icon />
            {t(option)}
          </MenuRadioItem>
        );
      })}
    </Menu>
  );
}
