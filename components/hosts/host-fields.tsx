"use client";

import { useTranslations } from "use-intl";
import type { ApiError } from "@/components/api/fetch-json";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import { DOMAIN_TYPE_PREFS, type HostView } from "@/components/hosts/types";

/**
 * The connection fields of a host, shared by the add and edit dialogs. Test ids
 * are `${prefix}-name`, `-address`, `-port`, `-user`, `-uri`, `-domaintype`. `endpointLocked`
 * shows address, port, user and URI read-only (changing them needs host.manage globally); they
 * are still submitted, unchanged.
 */
export function HostFields({
  prefix,
  host,
  error,
  endpointLocked = false,
}: {
  prefix: string;
  host?: HostView;
  error: ApiError | null;
  endpointLocked?: boolean;
}) {
  const t = useTranslations("hosts");
  const issue = (path: string) => error?.fieldMessage(path);
  return (
    <div className="grid grid-cols-1 gap-4 sm:grid-cols-6">
      <Field label={t("fields.name")} error={issue("name")} required className="sm:col-span-6">
        {(p) => (
          <Input
            {...p}
            name="name"
            defaultValue={host?.name}
            maxLength={64}
            autoComplete="off"
            testId={`${prefix}-name`}
            data-autofocus
            placeholder={t("fields.namePlaceholder")}
          />
        )}
      </Field>
      <Field
        label={t("fields.address")}
        hint={t("fields.addressHint")}
        error={issue("address")}
        required
        className="sm:col-span-4"
      >
        {(p) => (
          <Input
            {...p}
            name="address"
            readOnly={endpointLocked}
            defaultValue={host?.address}
            maxLength={253}
            autoComplete="off"
            spellCheck={false}
            testId={`${prefix}-address`}
            placeholder="kvm1.example.net"
          />
        )}
      </Field>
      <Field label={t("fields.port")} error={issue("port")} required className="sm:col-span-2">
        {(p) => (
          <Input
            {...p}
            name="port"
            readOnly={endpointLocked}
            type="number"
            min={1}
            max={65535}
            defaultValue={host?.port ?? 22}
            testId={`${prefix}-port`}
          />
        )}
      </Field>
      <Field
        label={t("fields.user")}
        hint={t("fields.userHint")}
        error={issue("username")}
        required
        className="sm:col-span-3"
      >
        {(p) => (
          <Input
            {...p}
            name="username"
            readOnly={endpointLocked}
            defaultValue={host?.username ?? "root"}
            maxLength={32}
            autoComplete="off"
            spellCheck={false}
            testId={`${prefix}-user`}
          />
        )}
      </Field>
      <Field
        label={t("fields.domainType")}
        hint={t("fields.domainTypeHint")}
        error={issue("domainType")}
        className="sm:col-span-3"
      >
        {(p) => (
          <Select {...p} name="domainType" defaultValue={host?.domainType ?? "auto"} testId={`${prefix}-domaintype`}>
            {DOMAIN_TYPE_PREFS.map((d) => (
              <option key={d} value={d}>
                {t(`domainTypes.${d}`)}
              </option>
            ))}
          </Select>
        )}
      </Field>
      <Field
        label={t("fields.uri")}
        hint={endpointLocked ? t("fields.endpointLocked") : t("fields.uriHint")}
        error={issue("libvirtUri")}
        className="sm:col-span-6"
      >
        {(p) => (
          <Input
            {...p}
            name="libvirtUri"
            readOnly={endpointLocked}
            defaultValue={host?.libvirtUri ?? "qemu:///system"}
            autoComplete="off"
            spellCheck={false}
            className="font-mono"
            testId={`${prefix}-uri`}
          />
        )}
      </Field>
    </div>
  );
}

/** The fields' values from a submitted form, as the API takes them. */
export function hostFieldsRead(form: FormData) {
  const text = (k: string) => String(form.get(k) ?? "").trim();
  return {
    name: text("name"),
    address: text("address"),
    port: Number(text("port") || 22),
    username: text("username"),
    libvirtUri: text("libvirtUri") || undefined,
    domainType: text("domainType") || undefined,
  };
}
