import { requirePageUser } from "@/lib/http/page-guard";
import { pageTitle } from "@/lib/i18n/server";
import { VmCreateClient } from "@/components/provisioning/vm-create-client";

export const dynamic = "force-dynamic";

export const generateMetadata = pageTitle("provisioning", "create.title");

export default async function NewVmPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  // vm.create somewhere; the create request is checked again against the chosen host.
  await requirePageUser("vm.create", "/vms/new", "anywhere");
  const template = (await searchParams).template;
  return <VmCreateClient initialTemplateId={typeof template === "string" ? template : null} />;
}
