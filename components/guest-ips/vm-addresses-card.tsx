"use client";

import { useTranslations } from "use-intl";
import { useVmAddresses } from "@/components/data/use-vm-addresses";
import { ErrorBanner } from "@/components/ui/alert";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { TBody, TD, TH, THead, TR, Table, TableEmpty } from "@/components/ui/table";
import type { VmAddress, VmAddressSource } from "@/lib/contracts/fleet";

const SOURCE_TONE: Record<VmAddressSource, BadgeTone> = { lease: "info", agent: "success", arp: "neutral" };

/** An address with its prefix, as people write it (192.168.100.23/24). */
export const addressText = (a: Pick<VmAddress, "address" | "prefix">) =>
  a.prefix === null ? a.address : `${a.address}/${a.prefix}`;

/**
 * The VM page's "IP addresses" card: what libvirt knows of the running guest's addresses (DHCP leases of
 * its networks, the guest agent when its channel is connected, the host's ARP table), read again while
 * the page is open. A stopped VM says why there is nothing to show.
 */
export function VmAddressesCard({ hostId, uuid, running }: { hostId: string; uuid: string; running: boolean }) {
  const t = useTranslations("guestips");
  const { data, error, loading, validating, reload } = useVmAddresses(hostId, uuid, running);
  const addresses = running ? (data?.addresses ?? []) : [];
  return (
    <Card testId="vm-addresses" data-count={addresses.length}>
      <CardHeader
        title={t("title")}
        description={running ? (data?.agentConnected ? t("sourcesWithAgent") : t("sourcesWithoutAgent")) : undefined}
        actions={
          running ? (
            <Button size="sm" variant="secondary" onClick={reload} loading={validating} testId="vm-addresses-refresh">
              {t("refresh")}
            </Button>
          ) : undefined
        }
      />
      <CardBody className="space-y-3">
        {error ? (
          <ErrorBanner testId="vm-addresses-error" title={t("loadFailed")}>
            {error.message}
          </ErrorBanner>
        ) : null}
        {!running ? (
          <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="vm-addresses-stopped">
            {t("notRunning")}
          </p>
        ) : (
          <Table caption={t("title")} testId="vm-addresses-table">
            <THead>
              <TR>
                <TH>{t("columns.address")}</TH>
                <TH>{t("columns.source")}</TH>
                <TH className="hidden sm:table-cell">{t("columns.interface")}</TH>
                <TH className="hidden md:table-cell">{t("columns.mac")}</TH>
                <TH className="hidden md:table-cell">{t("columns.network")}</TH>
              </TR>
            </THead>
            <TBody aria-busy={loading || undefined}>
              {loading && !data ? <TableEmpty colSpan={5}>{t("loading")}</TableEmpty> : null}
              {data && addresses.length === 0 ? (
                <TableEmpty colSpan={5}>
                  <span data-testid="vm-addresses-none">{t("none")}</span>
                </TableEmpty>
              ) : null}
              {addresses.map((a) => (
                <TR
                  key={`${a.family}/${a.address}`}
                  testId="vm-address"
                  data-address={a.address}
                  data-source={a.source}
                >
                  <TD className="font-mono text-xs select-all" data-testid="vm-address-text">
                    {addressText(a)}
                  </TD>
                  <TD>
                    <Badge tone={SOURCE_TONE[a.source]}>{t(`sources.${a.source}`)}</Badge>
                  </TD>
                  <TD className="hidden font-mono text-xs sm:table-cell">{a.interface ?? "—"}</TD>
                  <TD className="hidden font-mono text-xs md:table-cell">{a.mac ?? "—"}</TD>
                  <TD className="hidden md:table-cell">{a.network ?? "—"}</TD>
                </TR>
              ))}
            </TBody>
          </Table>
        )}
      </CardBody>
    </Card>
  );
}
