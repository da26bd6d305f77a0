"use client";

import { useState, type KeyboardEvent } from "react";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { useQuota } from "@/components/data/use-access";
import { Button, Spinner } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { QUOTA_FIELDS, type QuotaField } from "@/lib/contracts/quota";

const USAGE_KEY = { maxVms: "vms", maxVcpus: "vcpus", maxMemoryMiB: "memoryMiB", maxDiskGiB: "diskGiB" } as const;

/**
 * A user's or group's quota (blank: no limit), saved on its own button, for user.manage
 * holders. For a user it also shows what applies (their own limit, else their groups') and
 * their usage. No <form> of its own: it lives inside the user's edit form.
 */
export function QuotaEditor({ subject, id }: { subject: "user" | "group"; id: string }) {
  const t = useTranslations("quota");
  const path = `/api/${subject === "user" ? "users" : "groups"}/${encodeURIComponent(id)}/quota`;
  const quota = useQuota(subject, id);
  const data = quota.data ?? null;
  const [draft, setDraft] = useState<Record<QuotaField, string>>({
    maxVms: "",
    maxVcpus: "",
    maxMemoryMiB: "",
    maxDiskGiB: "",
  });
  // The fields start from what was read first (adjusted while rendering, not in an effect).
  const [filled, setFilled] = useState(false);
  if (data && !filled) {
    setFilled(true);
    setDraft(
      Object.fromEntries(QUOTA_FIELDS.map((f) => [f, data.own[f] === null ? "" : String(data.own[f])])) as Record<
        QuotaField,
        string
      >,
    );
  }
  const saving = useApiCall();
  const busy = saving.busy;
  const error = (saving.error ?? quota.error)?.message ?? null;
  const [saved, setSaved] = useState(false);

  async function save() {
    setSaved(false);
    const body = Object.fromEntries(QUOTA_FIELDS.map((f) => [f, draft[f].trim() === "" ? null : Number(draft[f])]));
    const ok = await saving.call(async () => {
      await fetchJson(path, { method: "PUT", body });
      await quota.mutate();
    });
    setSaved(ok);
  }

  function onKey(e: KeyboardEvent<HTMLInputElement>) {
    // Enter saves the quota, not the form around it.
    if (e.key === "Enter") {
      e.preventDefault();
      void save();
    }
  }

  const eff = data?.effective;
  return (
    <section
      className="space-y-2 border-t border-slate-200 pt-3 text-sm dark:border-slate-800"
      data-testid={`quota-${subject}`}
    >
      <h3 className="font-semibold">{t("title")}</h3>
      <p className="text-slate-600 dark:text-slate-400">{subject === "user" ? t("introUser") : t("introGroup")}</p>
      {!data && !error ? <Spinner /> : null}
      <div className="grid grid-cols-2 gap-3">
        {QUOTA_FIELDS.map((f) => (
          <label key={f} className="block">
            <span className="text-xs font-medium text-slate-600 dark:text-slate-400">{t(`fields.${f}`)}</span>
            <Input
              type="number"
              min={0}
              inputMode="numeric"
              placeholder={t("noLimit")}
              value={draft[f]}
              onChange={(e) => setDraft((d) => ({ ...d, [f]: e.target.value }))}
              onKeyDown={onKey}
              testId={`quota-${f}`}
            />
            {eff ? (
              <span
                className="mt-0.5 block text-xs text-slate-500 dark:text-slate-400"
                data-testid={`quota-usage-${f}`}
              >
                {eff.limits[f] === null
                  ? t("usageNoLimit", { used: eff.usage[USAGE_KEY[f]] })
                  : t("usage", { used: eff.usage[USAGE_KEY[f]], max: eff.limits[f] })}
              </span>
            ) : null}
          </label>
        ))}
      </div>
      {error ? (
        <p className="text-red-700 dark:text-red-300" role="alert" data-testid="quota-error">
          {error}
        </p>
      ) : null}
      {saved ? (
        <p className="text-emerald-700 dark:text-emerald-300" role="status" data-testid="quota-saved">
          {t("saved")}
        </p>
      ) : null}
      <Button
        size="sm"
        variant="secondary"
        loading={busy}
        disabled={!data}
        onClick={() => void save()}
        testId="quota-save"
      >
        {t("save")}
      </Button>
    </section>
  );
}
