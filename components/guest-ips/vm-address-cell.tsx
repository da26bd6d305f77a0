"use client";

import { useTranslations } from "use-intl";
import type { VmAddress } from "@/lib/contracts/fleet";

/**
 * The VM list's "IP address" cell: the guest's first address (IPv4 before IPv6) as its DHCP lease says,
 * with how many more it has; a dash while it has none (stopped, or no lease yet).
 */
export function VmAddressCell({ addresses }: { addresses: readonly VmAddress[] }) {
  const t = useTranslations("guestips");
  const first = addresses[0];
  if (!first) {
    return (
      <span className="text-slate-500 dark:text-slate-400" title={t("listNone")} data-testid="vm-row-address">
        —<span className="sr-only">{t("listNone")}</span>
      </span>
    );
  }
  const all = addresses.map((a) => a.address).join(", ");
  return (
    <span className="font-mono text-xs" title={all} data-testid="vm-row-address" data-address={first.address}>
      {first.address}
      {addresses.length > 1 ? (
        <span className="ml-1 text-slate-500 dark:text-slate-400">
          {t("more", { count: addresses.length - 1 })}
          <span className="sr-only">: {all}</span>
        </span>
      ) : null}
    </span>
  );
}
