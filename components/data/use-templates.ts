"use client";

import { byName, useList } from "@/components/data/use-api";
import type { TemplateView } from "@/lib/contracts/provisioning";

/** The VM templates the caller may see (GET /api/templates). */
export function useTemplates() {
  return useList<TemplateView>("/api/templates", "templates", byName);
}
