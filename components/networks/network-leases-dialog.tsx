"use client";
import { useTranslations } from "use-intl";
import { useNetworkLeases } from "@/components/data/use-networks";
import { ErrorBanner } from "@/components/ui/alert";
import { Dialog } from "@/components/ui/dialog";
import { TBody, TD, TH, THead, TR, Table, TableEmpty } from "@/components/ui/table";
import type { NetworkView } from "@/lib/contracts/network";

/** The current DHCP leases of one network (`net-dhcp-leases`), read again each time the dialog opens. */
export function NetworkLeasesDialog({ network, onClose }: { network: NetworkView | null; onClose: () => void }) {
  const t = useTranslations("networks");
  const { leases, error } = useNetworkLeases(network);
  return (
    <Dialog
      open={network !== null}
      onClose={onClose}
      title={t("leases.title", { name: network?.name ?? "" })}
      size="lg"
      testId="network-leases-dialog"
    >
      {error ? <ErrorBanner>{error.message}</ErrorBanner> : null}
      <Table caption={t("leases.title", { name: network?.name ?? "" })} testId="network-leases-table">
        <THead>
          <TR>
            <TH>{t("leases.address")}</TH>
            <TH>{t("leases.mac")}</TH>
            <TH>{t("leases.hostname")}</TH>
            <TH>{t("leases.expiry")}</TH>
          </TR>
        </THead>
        <TBody>
          {leases === null ? (
            <TableEmpty colSpan={4}>{t("loading")}</TableEmpty>
          ) : leases.length === 0 ? (
            <TableEmpty colSpan={4}>{t("leases.none")}</TableEmpty>
          ) : (
            leases.map((l) => (
              <TR key={`${l.mac}/${l.address}`} testId="network-lease-row">
                <TD>{l.prefix !== null ? `${l.address}/${l.prefix}` : l.address}</TD>
                <TD>{l.mac}</TD>
                <TD>{l.hostname ?? ""}</TD>
                <TD>{l.expiry}</TD>
              </TR>
            ))
          )}
        </TBody>
      </Table>
    </Dialog>
  );
}
