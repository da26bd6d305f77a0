"use client";
import { useState } from "react";
import { useTranslations } from "use-intl";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { PASTE_MAX_CHARS } from "@/components/console/keysyms";

/** "Paste text": the text is typed into the guest as keystrokes (guests without a clipboard agent). */
export function PasteDialog({
  open,
  onClose,
  onSend,
}: {
  open: boolean;
  onClose: () => void;
  onSend: (text: string) => void;
}) {
  const t = useTranslations("console");
  const tc = useTranslations("common");
  const [text, setText] = useState("");
  const count = Array.from(text).length;
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={t("paste.title")}
      description={t("paste.description", { max: PASTE_MAX_CHARS })}
      testId="console-paste-dialog"
      footer={
        <>
          <Button variant="secondary" onClick={onClose}>
            {tc("actions.cancel")}
          </Button>
          <Button
            testId="console-paste-send"
            disabled={count === 0}
            onClick={() => {
              onSend(text);
              setText("");
            }}
          >
            {t("paste.send")}
          </Button>
        </>
      }
    >
      <Label htmlFor="console-paste-text">{t("paste.label")}</Label>
      <Textarea
        id="console-paste-text"
        testId="console-paste-text"
        data-autofocus
        rows={8}
        value={text}
        maxLength={PASTE_MAX_CHARS}
        onChange={(e) => setText(e.target.value)}
        className="mt-1 w-full font-mono"
        spellCheck={false}
        autoComplete="off"
      />
      <p className="mt-1 text-right text-xs text-slate-500 dark:text-slate-400" aria-live="polite">
        {t("paste.count", { count, max: PASTE_MAX_CHARS })}
      </p>
    </Dialog>
  );
}
