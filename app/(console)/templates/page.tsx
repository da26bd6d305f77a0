import type { Metadata } from "next";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { LayersIcon, PlusIcon } from "@/components/ui/icons";
import { PageHeader } from "@/components/shell/page-header";
import { getT } from "@/lib/i18n/server";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getT("templates"))("title") };
}

export default async function TemplatesPage() {
  const [t, tc] = await Promise.all([getT("templates"), getT("common")]);
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <EmptyState
        testId="templates-empty"
        icon={<LayersIcon />}
        title={t("empty.title")}
        description={t("empty.body")}
        action={
          <Button disabled testId="templates-empty-action">
            <PlusIcon className="size-4" />
            {t("create")}
          </Button>
        }
        footnote={tc("status.comingSoon")}
      />
    </>
  );
}
