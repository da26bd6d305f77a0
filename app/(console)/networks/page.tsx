import Link from "next/link";
import { Button, buttonClasses } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { ArrowRightIcon, NetworkIcon, PlusIcon } from "@/components/ui/icons";
import { PageHeader } from "@/components/shell/page-header";
import { getT, pageTitle } from "@/lib/i18n/server";

export const generateMetadata = pageTitle("networks", "title");

export default async function NetworksPage() {
  const [t, tc] = await Promise.all([getT("networks"), getT("common")]);
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <EmptyState
        testId="networks-empty"
        icon={<NetworkIcon />}
        title={t("empty.title")}
        description={t("empty.body")}
        action={
          <Button disabled testId="networks-empty-action">
            <PlusIcon className="size-4" />
            {t("add")}
          </Button>
        }
        secondaryAction={
          <Link href="/hosts" className={buttonClasses({ variant: "secondary" })} data-testid="networks-empty-go-hosts">
            {t("empty.goToHosts")}
            <ArrowRightIcon className="size-4" />
          </Link>
        }
        footnote={tc("status.comingSoon")}
      />
    </>
  );
}
