"use client";

import { byName, enc, useApi, useList } from "@/components/data/use-api";
import type { TemplateImageCopyView, TemplateView } from "@/lib/contracts/provisioning";

/** The VM templates the caller may see (GET /api/templates). */
export function useTemplates() {
  return useList<TemplateView>("/api/templates", "templates", byName);
}

/** Where copies of an image template's base image exist (GET /api/templates/[id]/copies); null id: nothing to load. */
export function useTemplateImageCopies(templateId: string | null) {
  const swr = useApi<{ copies: TemplateImageCopyView[] }>(
    templateId ? `/api/templates/${enc(templateId)}/copies` : null,
  );
  return { copies: swr.data?.copies ?? null, error: swr.error ?? null };
}
