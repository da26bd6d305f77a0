"use client";

import { useTranslations } from "use-intl";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";

export interface StaticLeaseValue {
  network: string;
  ip: string;
}

/** The request's `staticLease` from the form: null when no address was typed. */
export function staticLeaseBody(v: StaticLeaseValue, networks: readonly string[]) {
  const ip = v.ip.trim();
  return ip ? { network: v.network || networks[0] || "", ip } : null;
}

/**
 * Deploying a template: an optional static DHCP address for the new VM on one of the template's
 * libvirt networks (the network gets a host entry for the VM's MAC). Nothing shows when the template
 * has no NIC on a libvirt network.
 */
export function StaticLeaseFields({
  networks,
  value,
  onChange,
  errors,
}: {
  /** The template's libvirt networks (its NICs' sources), in order. */
  networks: readonly string[];
  value: StaticLeaseValue;
  onChange: (v: StaticLeaseValue) => void;
  errors: (path: string) => string | undefined;
}) {
  const t = useTranslations("guestips");
  if (!networks.length) return null;
  return (
    <div className="grid grid-cols-1 gap-4 sm:grid-cols-3">
      <Field
        label={t("staticLease.ip")}
        hint={t("staticLease.hint")}
        error={errors("staticLease.ip") ?? errors("staticLease")}
      >
        {(p) => (
          <Input
            {...p}
            value={value.ip}
            inputMode="decimal"
            placeholder="192.168.100.20"
            maxLength={64}
            onChange={(e) => onChange({ ...value, ip: e.target.value })}
            testId="vm-create-static-ip"
          />
        )}
      </Field>
      {networks.length > 1 ? (
        <Field label={t("staticLease.network")} error={errors("staticLease.network")}>
          {(p) => (
            <Select
              {...p}
              value={value.network || networks[0]}
              onChange={(e) => onChange({ ...value, network: e.target.value })}
              testId="vm-create-static-network"
            >
              {networks.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </Select>
          )}
        </Field>
      ) : errors("staticLease.network") ? (
        <p className="text-xs font-medium text-red-700 sm:col-span-2 dark:text-red-400">
          {errors("staticLease.network")}
        </p>
      ) : null}
    </div>
  );
}
