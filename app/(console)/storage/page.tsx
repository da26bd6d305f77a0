import type { Metadata } from "next";
import Link from "next/link";
import { Button, buttonClasses } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { ArrowRightIcon, DatabaseIcon, PlusIcon } from "@/components/ui/icons";
import { PageHeader } from "@/components/shell/page-header";
import { getT } from "@/lib/i18n/server";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getT("storage"))("title") };
}

export default async function StoragePage() {
  const [t, tc] = await Promise.all([getT("storage"), getT("common")]);
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <EmptyState
        testId="storage-empty"
        icon={<DatabaseIcon />}
        title={t("empty.title")}
        description={t("empty.body")}
        action={
          <Button disabled testId="storage-empty-action">
            <PlusIcon className="size-4" />
            {t("add")}
          </Button>
        }
        secondaryAction={
          <Link href="/hosts" className={buttonClasses({ variant: "secondary" })} data-testid="storage-empty-go-hosts">
            {t("empty.goToHosts")}
            <ArrowRightIcon className="size-4" />
          </Link>
        }
        footnote={tc("status.comingSoon")}
      />
    </>
  );
}
