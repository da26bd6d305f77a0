"use client";

import { useEffect, useState } from "react";
import { useTranslations } from "use-intl";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { NumberField } from "@/components/ui/fields";
import { Field } from "@/components/ui/field";
import { Input, Select, Textarea } from "@/components/ui/input";
import type { VmEditInput, VmHardwareResponse } from "@/lib/contracts/hardware";

/** The CPU and memory card's fields: form key, label key, minimum, test id. */
const CPU_MEMORY_FIELDS = [
  ["vcpus", "hw.vcpus", 1, "hw-edit-vcpus"],
  ["memoryMiB", "hw.memory", 16, "hw-edit-memory"],
  ["maxMemoryMiB", "hw.maxMemory", 16, "hw-edit-max-memory"],
] as const;

export function CpuMemoryCard({
  hw,
  disabled,
  onApply,
}: {
  hw: VmHardwareResponse;
  disabled: boolean;
  onApply: (e: VmEditInput) => Promise<boolean>;
}) {
  const t = useTranslations("provisioning");
  const tc = useTranslations("common");
  const [v, setV] = useState({
    vcpus: String(hw.persistent.vcpus),
    memoryMiB: String(hw.persistent.memoryMiB),
    maxMemoryMiB: String(hw.persistent.maxMemoryMiB),
  });
  useEffect(
    () =>
      setV({
        vcpus: String(hw.persistent.vcpus),
        memoryMiB: String(hw.persistent.memoryMiB),
        maxMemoryMiB: String(hw.persistent.maxMemoryMiB),
      }),
    [hw.persistent.vcpus, hw.persistent.memoryMiB, hw.persistent.maxMemoryMiB],
  );
  const edit: VmEditInput = {};
  if (Number(v.vcpus) !== hw.persistent.vcpus) edit.vcpus = Number(v.vcpus);
  if (Number(v.memoryMiB) !== hw.persistent.memoryMiB) edit.memoryMiB = Number(v.memoryMiB);
  if (Number(v.maxMemoryMiB) !== hw.persistent.maxMemoryMiB) edit.maxMemoryMiB = Number(v.maxMemoryMiB);
  return (
    <Card testId="hw-cpu-memory">
      <CardHeader title={t("hwPanel.cpuMemory")} description={hw.running ? t("hwPanel.cpuMemoryLive") : undefined} />
      <CardBody className="space-y-3">
        <div className="grid grid-cols-3 gap-3">
          {CPU_MEMORY_FIELDS.map(([key, label, min, testId]) => (
            <NumberField
              key={key}
              label={t(label)}
              min={min}
              value={v[key]}
              disabled={disabled}
              onChange={(text) => setV({ ...v, [key]: text })}
              testId={testId}
            />
          ))}
        </div>
        <Button
          size="sm"
          disabled={disabled || Object.keys(edit).length === 0}
          onClick={() => void onApply(edit)}
          testId="hw-edit-cpu-save"
        >
          {tc("actions.save")}
        </Button>
      </CardBody>
    </Card>
  );
}

export function GeneralCard({
  hw,
  disabled,
  onApply,
}: {
  hw: VmHardwareResponse;
  disabled: boolean;
  onApply: (e: VmEditInput) => Promise<boolean>;
}) {
  const t = useTranslations("provisioning");
  const tc = useTranslations("common");
  const first = (hw.persistent.bootOrder[0] ?? "hd") as "hd" | "cdrom" | "network";
  const [title, setTitle] = useState(hw.persistent.title);
  const [description, setDescription] = useState(hw.persistent.description);
  const [boot, setBoot] = useState<"hd" | "cdrom" | "network">(first);
  const [menu, setMenu] = useState(hw.bootMenu);
  useEffect(() => {
    setTitle(hw.persistent.title);
    setDescription(hw.persistent.description);
    setBoot(first);
    setMenu(hw.bootMenu);
  }, [hw.persistent.title, hw.persistent.description, first, hw.bootMenu]);
  const edit: VmEditInput = {};
  if (title !== hw.persistent.title) edit.title = title;
  if (description !== hw.persistent.description) edit.description = description;
  if (boot !== first)
    edit.bootOrder = [boot, ...(["hd", "cdrom", "network"] as const).filter((x) => x !== boot && x !== "network")];
  if (menu !== hw.bootMenu) edit.bootMenu = menu;
  return (
    <Card testId="hw-general">
      <CardHeader title={t("hwPanel.general")} />
      <CardBody className="space-y-3">
        <Field label={t("create.vmTitle")}>
          {(p) => (
            <Input
              {...p}
              value={title}
              disabled={disabled}
              onChange={(e) => setTitle(e.target.value)}
              testId="hw-edit-title"
            />
          )}
        </Field>
        <Field label={t("hwPanel.description")}>
          {(p) => (
            <Textarea
              {...p}
              rows={2}
              value={description}
              disabled={disabled}
              onChange={(e) => setDescription(e.target.value)}
              testId="hw-edit-description"
            />
          )}
        </Field>
        <div className="grid grid-cols-2 items-end gap-3">
          <Field label={t("hwPanel.bootFirst")}>
            {(p) => (
              <Select
                {...p}
                value={boot}
                disabled={disabled}
                onChange={(e) => setBoot(e.target.value as typeof boot)}
                testId="hw-edit-boot"
              >
                {(["hd", "cdrom", "network"] as const).map((b) => (
                  <option key={b} value={b}>
                    {t(`hwPanel.boot.${b}`)}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <label className="flex items-center gap-2 pb-2 text-sm">
            <input
              type="checkbox"
              checked={menu}
              disabled={disabled}
              onChange={(e) => setMenu(e.target.checked)}
              data-testid="hw-edit-bootmenu"
            />
            {t("hwPanel.bootMenu")}
          </label>
        </div>
        <div className="flex flex-wrap items-center gap-3">
          <Button
            size="sm"
            disabled={disabled || Object.keys(edit).length === 0}
            onClick={() => void onApply(edit)}
            testId="hw-edit-general-save"
          >
            {tc("actions.save")}
          </Button>
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              checked={hw.autostart}
              disabled={disabled || (hw.template && !hw.autostart)}
              onChange={(e) => void onApply({ autostart: e.target.checked })}
              data-testid="hw-edit-autostart"
            />
            {t("hwPanel.autostart")}
          </label>
        </div>
      </CardBody>
    </Card>
  );
}
