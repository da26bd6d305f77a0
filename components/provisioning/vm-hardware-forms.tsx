"use client";

import { useState, type ReactNode } from "react";
import { useTranslations } from "use-intl";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { ChoiceField, NumberField } from "@/components/ui/fields";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import { DISK_BUSES, DISK_FORMATS, NIC_MODELS } from "@/lib/contracts/provisioning";
import type { VmEditInput } from "@/lib/contracts/hardware";

export function ResizeButton({
  target,
  disabled,
  onApply,
}: {
  target: string;
  disabled: boolean;
  onApply: (e: VmEditInput) => Promise<boolean>;
}) {
  const t = useTranslations("provisioning");
  const [open, setOpen] = useState(false);
  const [size, setSize] = useState("");
  return (
    <>
      <Button size="sm" variant="secondary" disabled={disabled} onClick={() => setOpen(true)} testId="hw-disk-resize">
        {t("hwPanel.resize")}
      </Button>
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        size="sm"
        testId="hw-resize-dialog"
        title={t("hwPanel.resizeTitle", { target })}
        description={t("hwPanel.resizeBody")}
        footer={
          <Button
            size="sm"
            disabled={!size}
            onClick={() =>
              void onApply({ resizeDisk: { target, sizeMiB: Number(size) } }).then((ok) => ok && setOpen(false))
            }
            testId="hw-resize-save"
          >
            {t("hwPanel.resize")}
          </Button>
        }
      >
        <Field label={t("hwPanel.newSize")}>
          {(p) => (
            <Input
              {...p}
              type="number"
              min={1}
              value={size}
              onChange={(e) => setSize(e.target.value)}
              data-autofocus
              testId="hw-resize-size"
            />
          )}
        </Field>
      </Dialog>
    </>
  );
}

export function InlineForm({
  testId,
  label,
  disabled,
  render,
  submitLabel,
  onSubmit,
}: {
  testId: string;
  label: string;
  disabled: boolean;
  render: (value: string, setValue: (v: string) => void) => ReactNode;
  submitLabel: string;
  onSubmit: (value: string) => Promise<boolean>;
}) {
  const [value, setValue] = useState("");
  return (
    <div className="space-y-1.5" data-testid={testId}>
      <p className="text-sm font-medium">{label}</p>
      <div className="flex gap-2">
        {render(value, setValue)}
        <Button
          size="sm"
          variant="secondary"
          disabled={disabled || !value}
          onClick={() => void onSubmit(value).then((ok) => ok && setValue(""))}
          testId={`${testId}-submit`}
        >
          {submitLabel}
        </Button>
      </div>
    </div>
  );
}

export function AddDiskForm({
  pools,
  disabled,
  onApply,
}: {
  pools: string[];
  disabled: boolean;
  onApply: (e: VmEditInput) => Promise<boolean>;
}) {
  const t = useTranslations("provisioning");
  const [v, setV] = useState({
    sizeMiB: "1024",
    format: "qcow2" as (typeof DISK_FORMATS)[number],
    bus: "virtio" as (typeof DISK_BUSES)[number],
    pool: "",
  });
  const pool = v.pool || pools[0] || "";
  return (
    <div className="space-y-1.5" data-testid="hw-add-disk">
      <p className="text-sm font-medium">{t("hw.addDisk")}</p>
      <div className="flex flex-wrap items-end gap-2">
        <NumberField
          label={t("hw.diskSize")}
          className="w-24"
          min={1}
          value={v.sizeMiB}
          onChange={(sizeMiB) => setV({ ...v, sizeMiB })}
          testId="hw-add-disk-size"
        />
        <ChoiceField
          label={t("hw.format")}
          className="w-24"
          value={v.format}
          choices={DISK_FORMATS}
          onChange={(format) => setV({ ...v, format })}
          testId="hw-add-disk-format"
        />
        <ChoiceField
          label={t("hw.bus")}
          className="w-24"
          value={v.bus}
          choices={DISK_BUSES}
          onChange={(bus) => setV({ ...v, bus })}
          testId="hw-add-disk-bus"
        />
        <ChoiceField
          label={t("hw.pool")}
          className="w-40"
          value={pool}
          choices={pools}
          onChange={(pool) => setV({ ...v, pool })}
          testId="hw-add-disk-pool"
        />
        <Button
          size="sm"
          variant="secondary"
          disabled={disabled || !pool}
          onClick={() =>
            void onApply({
              addDisk: { sizeMiB: Number(v.sizeMiB), format: v.format, bus: v.bus, cache: "default", pool },
            })
          }
          testId="hw-add-disk-submit"
        >
          {t("hwPanel.add")}
        </Button>
      </div>
    </div>
  );
}

export function AddNicForm({
  networks,
  mayBridge,
  disabled,
  onApply,
}: {
  networks: string[];
  mayBridge: boolean;
  disabled: boolean;
  onApply: (e: VmEditInput) => Promise<boolean>;
}) {
  const t = useTranslations("provisioning");
  const [v, setV] = useState({
    kind: "network" as "network" | "bridge",
    source: "",
    model: "virtio" as (typeof NIC_MODELS)[number],
    mac: "",
  });
  const source = v.kind === "network" ? v.source || networks[0] || "" : v.source;
  return (
    <div className="space-y-1.5" data-testid="hw-add-nic">
      <p className="text-sm font-medium">{t("hw.addNic")}</p>
      <div className="flex flex-wrap items-end gap-2">
        {/* Host bridges need network.manage on the host (the server checks it again); else only libvirt networks. */}
        {mayBridge ? (
          <Field label={t("hw.nicKind")} className="w-32">
            {(p) => (
              <Select
                {...p}
                value={v.kind}
                onChange={(e) => setV({ ...v, kind: e.target.value as typeof v.kind, source: "" })}
                testId="hw-add-nic-kind"
              >
                <option value="network">{t("hw.nicNetwork")}</option>
                <option value="bridge">{t("hw.nicBridge")}</option>
              </Select>
            )}
          </Field>
        ) : null}
        {v.kind === "network" ? (
          <ChoiceField
            label={t("hw.nicSource")}
            className="w-40"
            value={source}
            choices={networks}
            onChange={(source) => setV({ ...v, source })}
            testId="hw-add-nic-source"
          />
        ) : (
          <Field label={t("hw.nicSource")} className="w-40">
            {(p) => (
              <Input
                {...p}
                value={v.source}
                placeholder="br0"
                onChange={(e) => setV({ ...v, source: e.target.value })}
                testId="hw-add-nic-source"
              />
            )}
          </Field>
        )}
        <ChoiceField
          label={t("hw.nicModel")}
          className="w-28"
          value={v.model}
          choices={NIC_MODELS}
          onChange={(model) => setV({ ...v, model })}
          testId="hw-add-nic-model"
        />
        <Field label={t("hw.mac")} className="w-44">
          {(p) => (
            <Input
              {...p}
              value={v.mac}
              placeholder={t("hw.macAuto")}
              onChange={(e) => setV({ ...v, mac: e.target.value })}
              testId="hw-add-nic-mac"
            />
          )}
        </Field>
        <Button
          size="sm"
          variant="secondary"
          disabled={disabled || !source}
          onClick={() => void onApply({ addNic: { kind: v.kind, source, model: v.model, mac: v.mac } })}
          testId="hw-add-nic-submit"
        >
          {t("hwPanel.add")}
        </Button>
      </div>
    </div>
  );
}
