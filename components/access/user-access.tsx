"use client";

import { useUserAccess } from "@/components/data/use-access";
import { useAccessLabels } from "@/components/access/labels";
import { Spinner } from "@/components/ui/button";
import type { GrantView } from "@/lib/contracts/access";

/** A user's groups and grants (their own and through groups), for the user's edit panel. */
export function UserAccessSummary({ userId, role }: { userId: string; role: string }) {
  const { t, scope } = useAccessLabels();
  const { data, error } = useUserAccess(userId);
  const access = data ?? null;
  const failed = Boolean(error);

  const line = (g: GrantView, via?: string) => (
    <li key={`${g.id}-${via ?? ""}`} data-testid="user-grant" data-role={g.role.name} data-scope={g.scope}>
      <span className="font-medium">{g.role.name}</span> · {scope(g)}
      {via ? <span className="text-slate-500 dark:text-slate-400"> · {t("user.viaGroup", { group: via })}</span> : null}
    </li>
  );

  return (
    <section
      className="space-y-2 border-t border-slate-200 pt-3 text-sm dark:border-slate-800"
      data-testid="user-access"
    >
      <h3 className="font-semibold">{t("user.title")}</h3>
      <p className="text-slate-600 dark:text-slate-400">
        {t("user.accountRole", { role })} — {t("user.accountRoleHint")}
      </p>
      {failed ? <p className="text-red-700 dark:text-red-300">{t("vm.loadFailed")}</p> : null}
      {!access && !failed ? <Spinner /> : null}
      {access ? (
        <>
          <p>
            <span className="font-medium">{t("user.groups")}: </span>
            {access.groups.length ? access.groups.map((g) => g.name).join(", ") : t("user.noGroups")}
          </p>
          <div>
            <span className="font-medium">{t("user.grants")}</span>
            {access.grants.length + access.groupGrants.length === 0 ? (
              <p className="text-slate-600 dark:text-slate-400">{t("user.noGrants")}</p>
            ) : null}
            <ul className="mt-1 space-y-0.5">
              {access.grants.map((g) => line(g))}
              {access.groupGrants.map((g) => line(g, g.subject.name))}
            </ul>
          </div>
        </>
      ) : null}
    </section>
  );
}
