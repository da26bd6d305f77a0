"use client";

import Link from "next/link";
import { useTranslations } from "use-intl";
import { buttonClasses } from "@/components/ui/button";
import { PlusIcon } from "@/components/ui/icons";
import { PageHeader } from "@/components/shell/page-header";
import { VmList } from "@/components/vms/vm-list";
import type { VmListQuery } from "@/components/vms/vm-list-query";

/** /vms: every VM of every host. */
export function VmsClient({
  canPower,
  canViewHosts,
  canConsole,
  canCreate = false,
  initialQuery,
}: {
  canPower: boolean;
  canViewHosts: boolean;
  canConsole: boolean;
  /** vm.create somewhere: show "New VM". */
  canCreate?: boolean;
  initialQuery: VmListQuery;
}) {
  const t = useTranslations("vms");
  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("description")}
        actions={
          canCreate ? (
            <Link href="/vms/new" className={buttonClasses()} data-testid="vm-new">
              <PlusIcon className="size-4" />
              {t("newVm")}
            </Link>
          ) : null
        }
      />
      <VmList
        canPower={canPower}
        canViewHosts={canViewHosts}
        canConsole={canConsole}
        initialQuery={initialQuery}
        syncUrl
      />
    </>
  );
}
