import type { Metadata } from "next";
import Link from "next/link";
import { Button, buttonClasses } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { ArrowRightIcon, MonitorIcon, PlusIcon } from "@/components/ui/icons";
import { PageHeader } from "@/components/shell/page-header";
import { getT } from "@/lib/i18n/server";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getT("vms"))("title") };
}

export default async function VmsPage() {
  const [t, tc] = await Promise.all([getT("vms"), getT("common")]);
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <EmptyState
        testId="vms-empty"
        icon={<MonitorIcon />}
        title={t("empty.title")}
        description={t("empty.body")}
        action={
          <Button disabled testId="vms-empty-action">
            <PlusIcon className="size-4" />
            {t("create")}
          </Button>
        }
        secondaryAction={
          <Link href="/hosts" className={buttonClasses({ variant: "secondary" })} data-testid="vms-empty-go-hosts">
            {t("empty.goToHosts")}
            <ArrowRightIcon className="size-4" />
          </Link>
        }
        footnote={tc("status.comingSoon")}
      />
    </>
  );
}
