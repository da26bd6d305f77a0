"use client";
import { apiHeaders } from "@/components/api/fetch-json";
import { useState } from "react";
import { useTranslations } from "use-intl";
import { Menu, MenuItem, MenuLabel, MenuLink, MenuSeparator } from "@/components/ui/menu";
import { Badge } from "@/components/ui/badge";
import { Alert } from "@/components/ui/alert";
import { ChevronDownIcon, LogoutIcon, UserIcon } from "@/components/ui/icons";
import type { ShellUser } from "@/components/shell/types";

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0]!, parts[parts.length - 1]!] : parts;
  return (
    letters
      .map((p) => Array.from(p)[0]?.toUpperCase() ?? "")
      .join("")
      .slice(0, 2) || "?"
  );
}

/** Avatar menu: who is signed in, a link to /account, and Log out. */
export function UserMenu({ user }: { user: ShellUser }) {
  const t = useTranslations("shell.userMenu");
  const tc = useTranslations("common");
  const [state, setState] = useState<"idle" | "pending" | "failed">("idle");

  async function logout() {
    setState("pending");
    try {
      const res = await fetch("/api/auth/logout", { method: "POST", headers: apiHeaders("POST") });
      // 401: the session had already ended, which is what we wanted.
      if (!res.ok && res.status !== 401) throw new Error(`HTTP ${res.status}`);
      // A full page load drops every cached page of the signed-in user.
      // eslint-disable-next-line @next/next/no-location-assign-relative-destination -- a client-side push would keep them
      window.location.assign("/login");
    } catch {
      setState("failed");
    }
  }

  return (
    <div className="relative">
      <Menu
        label={t("open", { name: user.displayName })}
        testId="user-menu"
        triggerClassName="pl-1 pr-1.5 sm:pr-2"
        trigger={
          <>
            <span
              aria-hidden="true"
              className="flex size-7 items-center justify-center rounded-full bg-indigo-100 text-xs font-semibold text-indigo-700 dark:bg-indigo-500/20 dark:text-indigo-200"
            >
              {initials(user.displayName)}
            </span>
            <span className="hidden max-w-40 truncate text-sm font-medium text-slate-800 md:inline dark:text-slate-100">
              {user.displayName}
            </span>
            <ChevronDownIcon className="hidden size-4 md:block" />
          </>
        }
        menuClassName="w-64"
      >
        <MenuLabel>
          <span className="block text-xs">{t("signedInAs")}</span>
          <span
            className="mt-0.5 block truncate font-medium text-slate-900 dark:text-slate-50"
            data-testid="user-menu-name"
          >
            {user.displayName}
          </span>
          <span className="mt-1 flex items-center gap-2">
            <span className="truncate text-xs">@{user.username}</span>
            <Badge tone={user.role === "admin" ? "info" : "neutral"} testId="user-menu-role">
              {tc(`roles.${user.role}`)}
            </Badge>
          </span>
        </MenuLabel>
        <MenuSeparator />
        <MenuLink href="/account" testId="user-menu-account">
          <UserIcon />
          {t("account")}
        </MenuLink>
        <MenuItem onSelect={logout} disabled={state === "pending"} testId="logout-button">
          <LogoutIcon />
          {state === "pending" ? t("loggingOut") : t("logout")}
        </MenuItem>
      </Menu>
      {state === "failed" ? (
        <div className="absolute top-full right-0 z-50 mt-2 w-64">
          <Alert tone="error" onDismiss={() => setState("idle")} testId="logout-error">
            {t("logoutFailed")}
          </Alert>
        </div>
      ) : null}
    </div>
  );
}
