"use client";

import { useTranslations } from "use-intl";
import { PageHeader } from "@/components/shell/page-header";
import { VmList } from "@/components/vms/vm-list";
import type { VmListQuery } from "@/components/vms/vm-list-query";

/** /vms: every VM of every host. */
export function VmsClient({
  csrfToken,
  canPower,
  canViewHosts,
  canConsole,
  initialQuery,
}: {
  csrfToken: string;
  canPower: boolean;
  canViewHosts: boolean;
  canConsole: boolean;
  initialQuery: VmListQuery;
}) {
  const t = useTranslations("vms");
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <VmList csrfToken={csrfToken} canPower={canPower} canViewHosts={canViewHosts} canConsole={canConsole} initialQuery={initialQuery} syncUrl />
    </>
  );
}
