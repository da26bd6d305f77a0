"use client";

import { useEffect, useState } from "react";
import { useTranslations } from "use-intl";
import { Button } from "@/components/ui/button";
import { CheckIcon } from "@/components/ui/icons";

/**
 * Copies text to the clipboard. The async Clipboard API exists only in secure
 * contexts (https, localhost); a console reached over plain http on a LAN
 * address falls back to a hidden textarea and execCommand("copy").
 */
async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the legacy path
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  try {
    return document.execCommand("copy");
  } finally {
    area.remove();
  }
}

export function CopyButton({
  text,
  testId,
  label,
  size = "sm",
}: {
  text: string;
  testId?: string;
  label?: string;
  size?: "sm" | "md";
}) {
  const t = useTranslations("vms");
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  useEffect(() => {
    if (state === "idle") return;
    const timer = setTimeout(() => setState("idle"), 2000);
    return () => clearTimeout(timer);
  }, [state]);
  return (
    <Button
      size={size}
      variant="secondary"
      testId={testId}
      data-copied={state === "copied" || undefined}
      onClick={async () => setState((await copyText(text)) ? "copied" : "failed")}
    >
      {state === "copied" ? <CheckIcon className="size-4 text-emerald-600 dark:text-emerald-400" /> : null}
      <span aria-live="polite">
        {state === "copied" ? t("copy.copied") : state === "failed" ? t("copy.failed") : (label ?? t("copy.copy"))}
      </span>
    </Button>
  );
}
