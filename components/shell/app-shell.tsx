"use client";
import { usePathname } from "next/navigation";
import { useCallback, useEffect, useState, type ReactNode } from "react";
import { useTranslations } from "use-intl";
import { cn, focusRing } from "@/components/ui/cn";
import { MenuIcon } from "@/components/ui/icons";
import { Brand } from "@/components/shell/brand";
import { LocaleSwitch } from "@/components/shell/locale-switch";
import { NavDrawer } from "@/components/shell/nav-drawer";
import { SidebarNav } from "@/components/shell/sidebar-nav";
import { ThemeToggle } from "@/components/shell/theme-toggle";
import { UserMenu } from "@/components/shell/user-menu";
import { TaskDrawer } from "@/components/tasks/task-drawer";
import { CommandPalette } from "@/components/shell/command-palette";
import type { ShellUser } from "@/components/shell/types";

export interface AppShellProps {
  user: ShellUser;
  /** The session's CSRF token, sent with the logout request. */
  version: string;
  children: ReactNode;
}

/**
 * The console frame: top bar (menu button on small screens, product name,
 * theme, language, user menu), a sidebar from the `lg` breakpoint up (a drawer
 * below it), and the page in <main id="main">.
 */
export function AppShell({ user, version, children }: AppShellProps) {
  const t = useTranslations("shell");
  const tc = useTranslations("common");
  const [drawerOpen, setDrawerOpen] = useState(false);
  const closeDrawer = useCallback(() => setDrawerOpen(false), []);
  const pathname = usePathname();
  // Any navigation (a nav link, the logo, the user menu) ends with the drawer closed.
  useEffect(closeDrawer, [pathname, closeDrawer]);
  const product = tc("productName");

  return (
    <div className="min-h-dvh" data-testid="app-shell">
      <a
        href="#main"
        className="sr-only z-50 rounded-md bg-white px-3 py-2 text-sm font-medium text-indigo-700 shadow focus:not-sr-only focus:fixed focus:top-2 focus:left-2 dark:bg-slate-900 dark:text-indigo-300"
      >
        {t("skipToContent")}
      </a>

      <header
        data-testid="topbar"
        className="sticky top-0 z-30 flex h-14 items-center gap-2 border-b border-slate-200 bg-white/90 px-2 backdrop-blur sm:px-4 dark:border-slate-800 dark:bg-slate-900/90"
      >
        <button
          type="button"
          onClick={() => setDrawerOpen(true)}
          aria-label={t("nav.open")}
          aria-expanded={drawerOpen}
          aria-controls="nav-drawer"
          data-testid="nav-open"
          className={cn(
            "rounded-md p-2 text-slate-600 hover:bg-slate-100 hover:text-slate-900 lg:hidden dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-slate-50",
            focusRing,
          )}
        >
          <MenuIcon className="size-5" />
        </button>
        <Brand name={product} className="px-1" />
        <div className="ml-auto flex items-center gap-0.5 sm:gap-1">
          <CommandPalette user={user} />
          <TaskDrawer />
          <ThemeToggle />
          <LocaleSwitch />
          <div aria-hidden="true" className="mx-1 hidden h-6 w-px bg-slate-200 sm:block dark:bg-slate-700" />
          <UserMenu user={user} />
        </div>
      </header>

      <div className="lg:flex">
        <aside
          data-testid="sidebar"
          className="sticky top-14 hidden h-[calc(100dvh-3.5rem)] w-60 shrink-0 flex-col justify-between overflow-y-auto border-r border-slate-200 bg-white lg:flex dark:border-slate-800 dark:bg-slate-900"
        >
          <SidebarNav user={user} />
          <p className="px-6 py-4 text-xs text-slate-500 dark:text-slate-400" data-testid="app-version">
            {t("version", { version })}
          </p>
        </aside>
        <main id="main" tabIndex={-1} className="min-w-0 flex-1 px-4 py-6 focus:outline-none sm:px-6 lg:px-8 lg:py-8">
          <div className="mx-auto max-w-6xl">{children}</div>
        </main>
      </div>

      <NavDrawer
        open={drawerOpen}
        onClose={closeDrawer}
        label={t("nav.label")}
        closeLabel={t("nav.close")}
        header={<Brand name={product} />}
      >
        <SidebarNav user={user} onNavigate={closeDrawer} />
      </NavDrawer>
    </div>
  );
}
