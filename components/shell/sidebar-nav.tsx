"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useTranslations } from "use-intl";
import { cn, focusRing } from "@/components/ui/cn";
import { navItemActive, navItemsFor, type NavItem } from "@/components/shell/nav-items";
import type { ShellUser } from "@/components/shell/types";

/** The console's sections, with the current one highlighted (aria-current="page"). */
export function SidebarNav({ user, onNavigate }: { user: ShellUser; onNavigate?: () => void }) {
  const t = useTranslations("shell.nav");
  const pathname = usePathname();
  const items = navItemsFor(user);
  const admin = items.filter((i) => i.section === "administration");

  const link = (item: NavItem) => {
    const active = navItemActive(item, pathname);
    const Icon = item.icon;
    return (
      <li key={item.key}>
        <Link
          href={item.href}
          onClick={onNavigate}
          aria-current={active ? "page" : undefined}
          data-testid={`nav-${item.key}`}
          className={cn(
            "group flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium transition-colors",
            active
              ? "bg-indigo-50 text-indigo-700 dark:bg-indigo-500/15 dark:text-indigo-200"
              : "text-slate-700 hover:bg-slate-100 hover:text-slate-900 dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-slate-50",
            focusRing,
          )}
        >
          <Icon
            className={cn(
              "size-5 shrink-0",
              active
                ? "text-indigo-600 dark:text-indigo-300"
                : "text-slate-400 group-hover:text-slate-600 dark:text-slate-500 dark:group-hover:text-slate-300",
            )}
          />
          {t(item.key)}
        </Link>
      </li>
    );
  };

  return (
    <nav aria-label={t("label")} className="flex flex-col gap-6 p-3">
      <ul className="space-y-0.5">{items.filter((i) => i.section === "main").map(link)}</ul>
      {admin.length ? (
        <div>
          <h2 className="px-3 pb-2 text-xs font-semibold tracking-wide text-slate-500 uppercase dark:text-slate-400">
            {t("administration")}
          </h2>
          <ul className="space-y-0.5">{admin.map(link)}</ul>
        </div>
      ) : null}
    </nav>
  );
}
