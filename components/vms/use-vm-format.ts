"use client";

import { useFormatter, useTranslations } from "use-intl";
import { sizeParts, uptimeParts } from "@/components/vms/format";

/** Localized sizes, uptimes and percentages for VM and host figures. */
export function useVmFormat() {
  const t = useTranslations("vms");
  const format = useFormatter();
  const size = (bytes: number) => {
    const { value, unit } = sizeParts(bytes);
    return t(`size.${unit}`, {
      value: format.number(value, { maximumFractionDigits: value < 10 && unit !== "B" ? 1 : 0 }),
    });
  };
  return {
    size,
    kib: (kib: number) => size(kib * 1024),
    uptime: (seconds: number) => {
      const p = uptimeParts(seconds);
      if (p.days) return t("uptime.days", { days: p.days, hours: p.hours });
      if (p.hours) return t("uptime.hours", { hours: p.hours, minutes: p.minutes });
      if (p.minutes) return t("uptime.minutes", { minutes: p.minutes });
      return t("uptime.seconds", { seconds: p.seconds });
    },
    percent: (n: number) => format.number(n / 100, { style: "percent", maximumFractionDigits: 1 }),
    count: (n: number) => format.number(n),
  };
}
