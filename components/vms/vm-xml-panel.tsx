"use client";

import { useState } from "react";
import { useTranslations } from "use-intl";
import { Card, CardHeader } from "@/components/ui/card";
import { cn, focusRing } from "@/components/ui/cn";
import { CopyButton } from "@/components/vms/copy-button";
import type { VmDetail } from "@/components/vms/types";

/** The VM page's XML tab: the live or the inactive definition, as text, with a copy button. */
export function VmXmlPanel({ vm }: { vm: VmDetail }) {
  const t = useTranslations("vms");
  const [which, setWhich] = useState<"live" | "inactive">("live");
  const xml = which === "live" ? vm.xml : vm.inactiveXml;
  return (
    <Card>
      <CardHeader
        title={t("detail.xmlTitle")}
        description={which === "live" ? t("detail.xmlLiveHint") : t("detail.xmlInactiveHint")}
        actions={
          <>
            <div
              role="group"
              aria-label={t("detail.xmlWhich")}
              className="inline-flex rounded-md shadow-sm ring-1 ring-slate-300 ring-inset dark:ring-slate-700"
            >
              {(["live", "inactive"] as const).map((w) => (
                <button
                  key={w}
                  type="button"
                  aria-pressed={which === w}
                  data-testid={`vm-xml-${w}`}
                  onClick={() => setWhich(w)}
                  className={cn(
                    "h-8 px-3 text-sm font-medium first:rounded-l-md last:rounded-r-md",
                    which === w
                      ? "bg-indigo-600 text-white"
                      : "text-slate-700 hover:bg-slate-50 dark:text-slate-300 dark:hover:bg-slate-800",
                    focusRing,
                  )}
                >
                  {t(`detail.xml.${w}`)}
                </button>
              ))}
            </div>
            <CopyButton text={xml} testId="vm-xml-copy" />
          </>
        }
      />
      <pre
        data-testid="vm-xml"
        data-which={which}
        tabIndex={0}
        className="max-h-[60vh] overflow-auto rounded-b-xl bg-slate-50 px-5 py-4 font-mono text-xs leading-5 text-slate-800 dark:bg-slate-950 dark:text-slate-200"
      >
        {xml}
      </pre>
    </Card>
  );
}
