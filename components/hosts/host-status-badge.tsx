"use client";

import { useTranslations } from "use-intl";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import type { HostStatus } from "@/components/hosts/types";

const TONE: Record<HostStatus, BadgeTone> = {
  online: "success",
  offline: "danger",
  unverified: "warning",
  key_mismatch: "danger",
};

/** A host's connection status; the status message (why) is the tooltip. */
export function HostStatusBadge({
  status,
  message,
  testId = "host-status",
}: {
  status: HostStatus;
  message?: string;
  testId?: string;
}) {
  const t = useTranslations("hosts");
  return (
    <span data-testid={testId} data-status={status} title={message || undefined} className="inline-flex">
      <Badge tone={TONE[status] ?? "neutral"} dot>
        {t.has(`status.${status}`) ? t(`status.${status}`) : status}
      </Badge>
    </span>
  );
}
