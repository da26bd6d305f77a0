"use client";

import { useTranslations } from "use-intl";
import { Alert } from "@/components/ui/alert";
import { Button, buttonClasses } from "@/components/ui/button";
import { CopyButton } from "@/components/vms/copy-button";

/** Recovery codes, shown once right after they were generated. */
export function RecoveryCodesPanel({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const t = useTranslations("twofactor");
  const text = codes.join("\n") + "\n";
  return (
    <div className="space-y-4" data-testid="recovery-codes">
      <Alert tone="warning" title={t("recoveryTitle")}>
        {t("recoveryIntro")}
      </Alert>
      <ol className="grid grid-cols-2 gap-2 font-mono text-sm">
        {codes.map((c) => (
          <li
            key={c}
            className="rounded bg-slate-100 px-2 py-1 text-center dark:bg-slate-800"
            data-testid="recovery-code"
          >
            {c}
          </li>
        ))}
      </ol>
      <div className="flex flex-wrap gap-2">
        <CopyButton text={text} label={t("recoveryCopy")} testId="recovery-copy" size="md" />
        <a
          className={buttonClasses({ variant: "secondary" })}
          href={`data:text/plain;charset=utf-8,${encodeURIComponent(text)}`}
          download="virtdeck-recovery-codes.txt"
          data-testid="recovery-download"
        >
          {t("recoveryDownload")}
        </a>
        <Button onClick={onDone} testId="recovery-done">
          {t("recoveryDone")}
        </Button>
      </div>
    </div>
  );
}
