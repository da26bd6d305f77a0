import type { Metadata } from "next";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { ServerIcon, PlusIcon } from "@/components/ui/icons";
import { PageHeader } from "@/components/shell/page-header";
import { getT } from "@/lib/i18n/server";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getT("hosts"))("title") };
}

export default async function HostsPage() {
  const [t, tc] = await Promise.all([getT("hosts"), getT("common")]);
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <EmptyState
        testId="hosts-empty"
        icon={<ServerIcon />}
        title={t("empty.title")}
        description={t("empty.body")}
        action={
          <Button disabled testId="hosts-empty-action">
            <PlusIcon className="size-4" />
            {t("add")}
          </Button>
        }
        footnote={tc("status.comingSoon")}
      />
    </>
  );
}
