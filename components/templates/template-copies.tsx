"use client";

import { useTranslations } from "use-intl";
import { useTemplateImageCopies } from "@/components/data/use-templates";

/** The hosts an image template's base image was copied to (verified copies deploys there clone). */
export function TemplateCopies({ templateId }: { templateId: string }) {
  const t = useTranslations("templates");
  const { copies } = useTemplateImageCopies(templateId);
  if (!copies?.length) return null;
  return (
    <ul className="mt-1 space-y-0.5 text-xs text-slate-600 dark:text-slate-400" data-testid="template-copies">
      {copies.map((c) => (
        <li
          key={c.id}
          className="[overflow-wrap:anywhere]"
          data-testid="template-copy"
          data-host-id={c.hostId}
          title={`sha256 ${c.sha256}`}
        >
          {t("copyOn", { host: c.hostName, pool: c.pool, volume: c.volume })}
        </li>
      ))}
    </ul>
  );
}
