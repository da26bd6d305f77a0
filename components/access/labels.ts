"use client";
import { useTranslations } from "use-intl";
import type { GrantScopeKind, PrivilegeName } from "@/lib/contracts/access";

/** Message keys cannot hold dots: vm.console -> vm_console. */
export const privilegeKey = (p: PrivilegeName) => p.replaceAll(".", "_") as "vm_view";

/** Labels for privileges, scopes and sources, from the `access` namespace. */
export function useAccessLabels() {
  const t = useTranslations("access");
  return {
    t,
    privilege: (p: PrivilegeName) => t(`privileges.${privilegeKey(p)}`),
    scope: (
      s: {
        scope: GrantScopeKind;
        hostName?: string | null;
        scopeName?: string | null;
        tag?: string | null;
        vmUuid?: string | null;
      },
      thisVm?: string,
    ) => {
      if (s.scope === "global") return t("scope.global");
      if (s.scope === "host") return t("scope.host", { name: s.hostName ?? s.scopeName ?? "?" });
      if (s.scope === "tag") return t("scope.tag", { tag: s.tag ?? s.scopeName ?? "?" });
      return !s.vmUuid || s.vmUuid === thisVm ? t("scope.vm") : t("scope.vmOther", { uuid: s.vmUuid });
    },
  };
}
