"use client";

import { useTranslations } from "use-intl";
import { Button } from "@/components/ui/button";
import { ChoiceField, NumberField } from "@/components/ui/fields";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import { PlusIcon, XIcon } from "@/components/ui/icons";
import {
  CPU_MODES,
  DISK_BUSES,
  DISK_CACHES,
  DISK_FORMATS,
  DOMAIN_TYPES,
  GRAPHICS,
  NIC_MODELS,
  type DiskSpec,
  type NicSpec,
  type ProvisioningHostOptions,
} from "@/lib/contracts/provisioning";
import { useVmFormat } from "@/components/vms/use-vm-format";
import { MACHINE_DEFAULT, machineTypeGroups } from "./machine-types";

/** The hardware part of a template or of the create wizard. */
export interface HardwareValue {
  osVariant: string;
  vcpus: number;
  memoryMiB: number;
  maxMemoryMiB: number;
  cpuMode: (typeof CPU_MODES)[number];
  cpuModel: string;
  firmware: "bios" | "uefi";
  machineType: string;
  domainType: (typeof DOMAIN_TYPES)[number];
  disks: DiskSpec[];
  nics: NicSpec[];
  graphics: (typeof GRAPHICS)[number];
  serialConsole: boolean;
}

export const HARDWARE_DEFAULTS: HardwareValue = {
  osVariant: "",
  vcpus: 1,
  memoryMiB: 1024,
  maxMemoryMiB: 1024,
  cpuMode: "host-model",
  cpuModel: "",
  firmware: "bios",
  machineType: MACHINE_DEFAULT,
  domainType: "auto",
  disks: [],
  nics: [],
  graphics: "vnc",
  serialConsole: true,
};

export function HardwareFields({
  value,
  onChange,
  options,
  errors,
  diskLabel,
}: {
  value: HardwareValue;
  onChange: (v: HardwareValue) => void;
  options: ProvisioningHostOptions | null;
  errors: (path: string) => string | undefined;
  /** Label for the first disk (e.g. "clone of the base image"). */
  diskLabel?: (index: number) => string | undefined;
}) {
  const t = useTranslations("provisioning");
  const { size } = useVmFormat();
  const set = <K extends keyof HardwareValue>(k: K, v: HardwareValue[K]) => onChange({ ...value, [k]: v });
  const pools = options?.pools.filter((p) => p.active) ?? [];
  const num = (s: string) => (s === "" ? 0 : Number(s));
  const setDisk = (i: number, d: Partial<DiskSpec>) =>
    set(
      "disks",
      value.disks.map((x, j) => (j === i ? { ...x, ...d } : x)),
    );
  const setNic = (i: number, n: Partial<NicSpec>) =>
    set(
      "nics",
      value.nics.map((x, j) => (j === i ? { ...x, ...n } : x)),
    );

  return (
    <div className="space-y-5">
      <div className="grid grid-cols-2 gap-4 sm:grid-cols-4">
        <Field label={t("hw.vcpus")} error={errors("vcpus")} required>
          {(p) => (
            <Input
              {...p}
              type="number"
              min={1}
              value={value.vcpus}
              onChange={(e) => set("vcpus", num(e.target.value))}
              testId="hw-vcpus"
            />
          )}
        </Field>
        <Field label={t("hw.memory")} error={errors("memoryMiB")} required>
          {(p) => (
            <Input
              {...p}
              type="number"
              min={16}
              value={value.memoryMiB}
              onChange={(e) => {
                const m = num(e.target.value);
                onChange({ ...value, memoryMiB: m, maxMemoryMiB: Math.max(value.maxMemoryMiB, m) });
              }}
              testId="hw-memory"
            />
          )}
        </Field>
        <Field label={t("hw.maxMemory")} error={errors("maxMemoryMiB")} required>
          {(p) => (
            <Input
              {...p}
              type="number"
              min={16}
              value={value.maxMemoryMiB}
              onChange={(e) => set("maxMemoryMiB", num(e.target.value))}
              testId="hw-max-memory"
            />
          )}
        </Field>
        <Field
          label={t("hw.osVariant")}
          error={errors("osVariant")}
          hint={options && !options.osVariantsFromHost ? t("hw.osBuiltin") : undefined}
        >
          {(p) => (
            <Select
              {...p}
              value={value.osVariant}
              onChange={(e) => set("osVariant", e.target.value)}
              testId="hw-os-variant"
            >
              <option value="">{t("hw.osNone")}</option>
              {(options?.osVariants ?? []).map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
              {value.osVariant && !options?.osVariants.some((o) => o.id === value.osVariant) ? (
                <option value={value.osVariant}>{value.osVariant}</option>
              ) : null}
            </Select>
          )}
        </Field>
      </div>

      <div className="grid grid-cols-2 gap-4 sm:grid-cols-4">
        <Field label={t("hw.cpuMode")}>
          {(p) => (
            <Select
              {...p}
              value={value.cpuMode}
              onChange={(e) => set("cpuMode", e.target.value as HardwareValue["cpuMode"])}
              testId="hw-cpu-mode"
            >
              {CPU_MODES.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </Select>
          )}
        </Field>
        {value.cpuMode === "custom" ? (
          <Field label={t("hw.cpuModel")} error={errors("cpuModel")} required>
            {(p) => (
              <Input
                {...p}
                value={value.cpuModel}
                placeholder="qemu64"
                onChange={(e) => set("cpuModel", e.target.value)}
                testId="hw-cpu-model"
              />
            )}
          </Field>
        ) : null}
        <Field label={t("hw.firmware")} hint={options && !options.uefi ? t("hw.noUefi") : undefined}>
          {(p) => (
            <Select
              {...p}
              value={value.firmware}
              onChange={(e) => set("firmware", e.target.value as "bios" | "uefi")}
              testId="hw-firmware"
            >
              <option value="bios">BIOS</option>
              <option value="uefi" disabled={!!options && !options.uefi}>
                UEFI
              </option>
            </Select>
          )}
        </Field>
        <Field label={t("hw.machine")}>
          {(p) => (
            <Select
              {...p}
              value={value.machineType}
              onChange={(e) => set("machineType", e.target.value)}
              testId="hw-machine"
            >
              {machineTypeGroups(options?.machineTypes ?? []).map((g) => (
                <optgroup key={g.key} label={t(`hw.machineGroups.${g.key}`)}>
                  {g.types.map((m) => (
                    <option key={m} value={m}>
                      {m === "q35" || m === "pc" ? t(`hw.machineAlias.${m}`) : m}
                    </option>
                  ))}
                </optgroup>
              ))}
              <option value="">{t("hw.machineDefault")}</option>
            </Select>
          )}
        </Field>
        <Field label={t("hw.domainType")} hint={t("hw.domainTypeHint")}>
          {(p) => (
            <Select
              {...p}
              value={value.domainType}
              onChange={(e) => set("domainType", e.target.value as HardwareValue["domainType"])}
              testId="hw-domain-type"
            >
              {DOMAIN_TYPES.map((d) => (
                <option key={d} value={d}>
                  {t(`hw.domainTypes.${d}`)}
                </option>
              ))}
            </Select>
          )}
        </Field>
      </div>

      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-900 dark:text-slate-100">{t("hw.disks")}</legend>
        {errors("disks") ? (
          <p className="text-xs font-medium text-red-700 dark:text-red-400">{errors("disks")}</p>
        ) : null}
        {value.disks.map((d, i) => (
          <div key={i} className="grid grid-cols-2 items-end gap-2 sm:grid-cols-6" data-testid="hw-disk-row">
            <NumberField
              label={diskLabel?.(i) ?? t("hw.diskSize")}
              error={errors(`disks.${i}.sizeMiB`)}
              min={1}
              value={d.sizeMiB}
              onChange={(sizeMiB) => setDisk(i, { sizeMiB: num(sizeMiB) })}
              testId={`hw-disk-size-${i}`}
            />
            <ChoiceField
              label={t("hw.format")}
              value={d.format}
              choices={DISK_FORMATS}
              onChange={(format) => setDisk(i, { format })}
              testId={`hw-disk-format-${i}`}
            />
            <ChoiceField
              label={t("hw.bus")}
              value={d.bus}
              choices={DISK_BUSES}
              onChange={(bus) => setDisk(i, { bus })}
              testId={`hw-disk-bus-${i}`}
            />
            <ChoiceField
              label={t("hw.cache")}
              value={d.cache}
              choices={DISK_CACHES}
              onChange={(cache) => setDisk(i, { cache })}
              testId={`hw-disk-cache-${i}`}
            />
            <Field label={t("hw.pool")} error={errors(`disks.${i}.pool`)}>
              {(p) => (
                <Select
                  {...p}
                  value={d.pool}
                  onChange={(e) => setDisk(i, { pool: e.target.value })}
                  testId={`hw-disk-pool-${i}`}
                >
                  <option value="">{t("hw.choose")}</option>
                  {pools.map((x) => (
                    <option key={x.name} value={x.name}>
                      {x.name} ({size(x.availableBytes)} {t("hw.free")})
                    </option>
                  ))}
                  {d.pool && !pools.some((x) => x.name === d.pool) ? <option value={d.pool}>{d.pool}</option> : null}
                </Select>
              )}
            </Field>
            <RowRemove
              label={t("hw.removeDisk")}
              onClick={() =>
                set(
                  "disks",
                  value.disks.filter((_, j) => j !== i),
                )
              }
              testId={`hw-disk-remove-${i}`}
            />
          </div>
        ))}
        <RowAdd
          label={t("hw.addDisk")}
          onClick={() =>
            set("disks", [
              ...value.disks,
              { sizeMiB: 10240, format: "qcow2", bus: "virtio", cache: "default", pool: pools[0]?.name ?? "" },
            ])
          }
          testId="hw-disk-add"
        />
      </fieldset>

      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-900 dark:text-slate-100">{t("hw.nics")}</legend>
        {value.nics.map((n, i) => (
          <div key={i} className="grid grid-cols-2 items-end gap-2 sm:grid-cols-5" data-testid="hw-nic-row">
            <Field label={t("hw.nicKind")}>
              {(p) => (
                <Select
                  {...p}
                  value={n.kind}
                  onChange={(e) => setNic(i, { kind: e.target.value as NicSpec["kind"], source: "" })}
                  testId={`hw-nic-kind-${i}`}
                >
                  <option value="network">{t("hw.nicNetwork")}</option>
                  {/* Host bridges need network.manage on the host (the server checks it again). */}
                  {options?.mayBridge || n.kind === "bridge" ? (
                    <option value="bridge">{t("hw.nicBridge")}</option>
                  ) : null}
                </Select>
              )}
            </Field>
            <Field
              label={t("hw.nicSource")}
              error={errors(`nics.${i}.source`)}
              hint={
                n.kind === "network" && options?.networks.some((x) => x.name === n.source && !x.active) ? (
                  <span className="text-amber-700 dark:text-amber-400" data-testid={`hw-nic-inactive-${i}`}>
                    {t("hw.inactiveNetworkWarning", { name: n.source })}
                  </span>
                ) : undefined
              }
            >
              {(p) =>
                n.kind === "network" ? (
                  <Select
                    {...p}
                    value={n.source}
                    onChange={(e) => setNic(i, { source: e.target.value })}
                    testId={`hw-nic-source-${i}`}
                  >
                    <option value="">{t("hw.choose")}</option>
                    {(options?.networks ?? []).map((x) => (
                      <option key={x.name} value={x.name}>
                        {x.name}
                        {x.active ? "" : ` (${t("hw.inactive")})`}
                      </option>
                    ))}
                    {n.source && !options?.networks.some((x) => x.name === n.source) ? (
                      <option value={n.source}>{n.source}</option>
                    ) : null}
                  </Select>
                ) : (
                  <Input
                    {...p}
                    value={n.source}
                    placeholder="br0"
                    onChange={(e) => setNic(i, { source: e.target.value })}
                    testId={`hw-nic-source-${i}`}
                  />
                )
              }
            </Field>
            <ChoiceField
              label={t("hw.nicModel")}
              value={n.model}
              choices={NIC_MODELS}
              onChange={(model) => setNic(i, { model })}
              testId={`hw-nic-model-${i}`}
            />
            <Field label={t("hw.mac")} error={errors(`nics.${i}.mac`)}>
              {(p) => (
                <Input
                  {...p}
                  value={n.mac}
                  placeholder={t("hw.macAuto")}
                  onChange={(e) => setNic(i, { mac: e.target.value })}
                  testId={`hw-nic-mac-${i}`}
                />
              )}
            </Field>
            <RowRemove
              label={t("hw.removeNic")}
              onClick={() =>
                set(
                  "nics",
                  value.nics.filter((_, j) => j !== i),
                )
              }
              testId={`hw-nic-remove-${i}`}
            />
          </div>
        ))}
        <RowAdd
          label={t("hw.addNic")}
          onClick={() =>
            set("nics", [
              ...value.nics,
              // Never an inactive network by default: a VM on it cannot start until someone starts the network.
              {
                kind: "network",
                source: options?.networks.find((x) => x.active)?.name ?? "",
                model: "virtio",
                mac: "",
              },
            ])
          }
          testId="hw-nic-add"
        />
      </fieldset>

      <div className="grid grid-cols-2 items-end gap-4 sm:grid-cols-4">
        <Field label={t("hw.graphics")} hint={t("hw.graphicsHint")}>
          {(p) => (
            <Select
              {...p}
              value={value.graphics}
              onChange={(e) => set("graphics", e.target.value as HardwareValue["graphics"])}
              testId="hw-graphics"
            >
              {GRAPHICS.map((g) => (
                <option key={g} value={g}>
                  {t(`hw.graphicsKinds.${g}`)}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <label className="flex items-center gap-2 pb-2 text-sm text-slate-800 dark:text-slate-200">
          <input
            type="checkbox"
            checked={value.serialConsole}
            onChange={(e) => set("serialConsole", e.target.checked)}
            data-testid="hw-serial"
          />
          {t("hw.serial")}
        </label>
      </div>
    </div>
  );
}

/** The remove button of a disk or NIC row (an icon with a spoken label). */
function RowRemove({ label, onClick, testId }: { label: string; onClick: () => void; testId: string }) {
  return (
    <Button variant="ghost" size="sm" onClick={onClick} testId={testId} aria-label={label}>
      <XIcon className="size-4" />
    </Button>
  );
}

/** The button that adds a disk or NIC row. */
function RowAdd({ label, onClick, testId }: { label: string; onClick: () => void; testId: string }) {
  return (
    <Button variant="secondary" size="sm" onClick={onClick} testId={testId}>
      <PlusIcon className="size-4" />
      {label}
    </Button>
  );
}
