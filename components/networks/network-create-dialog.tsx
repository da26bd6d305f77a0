"use client";
import { useEffect, useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { ErrorBanner } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { FormDialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { CheckField, ChoiceField, TextField } from "@/components/ui/fields";
import { Select } from "@/components/ui/input";
import {
  MACVTAP_MODES,
  NETWORK_FORWARD_MODES,
  type MacvtapMode,
  type NetworkForwardMode,
  type NetworkView,
} from "@/lib/contracts/network";
import type { NetworkHostOption } from "./types";

interface IpForm {
  on: boolean;
  address: string;
  prefix: string;
  dhcpStart: string;
  dhcpEnd: string;
}
interface StaticHost {
  mac: string;
  ip: string;
  name: string;
}
interface Form {
  hostId: string;
  name: string;
  mode: NetworkForwardMode;
  bridge: string;
  dev: string;
  macvtapMode: MacvtapMode;
  v4: IpForm;
  v6: IpForm;
  hosts: StaticHost[];
  domain: string;
  mtu: string;
  start: boolean;
  autostart: boolean;
}

const NO_IP: IpForm = { on: false, address: "", prefix: "", dhcpStart: "", dhcpEnd: "" };
const blank = (hostId: string): Form => ({
  hostId,
  name: "",
  mode: "nat",
  bridge: "",
  dev: "",
  macvtapMode: "bridge",
  v4: { on: true, address: "", prefix: "24", dhcpStart: "", dhcpEnd: "" },
  v6: NO_IP,
  hosts: [],
  domain: "",
  mtu: "",
  start: true,
  autostart: true,
});
/** One click each: the seeds' NAT network with DHCP, and a network on the host bridge br0. */
const PRESETS = {
  nat: (f: Form): Form => ({
    ...blank(f.hostId),
    name: "nat100",
    v4: { on: true, address: "192.168.100.1", prefix: "24", dhcpStart: "192.168.100.100", dhcpEnd: "192.168.100.200" },
  }),
  bridged: (f: Form): Form => ({ ...blank(f.hostId), name: "bridged", mode: "bridge", bridge: "br0", v4: NO_IP }),
};

const MACVTAP = new Set<string>(MACVTAP_MODES);

/** The edit form of an existing network (the first address of each family; its first DHCP range). */
function formOf(n: NetworkView): Form {
  const macvtap = !n.bridge && n.devices.length > 0 && MACVTAP.has(n.forwardMode ?? "");
  const mode: NetworkForwardMode = macvtap
    ? "macvtap"
    : n.forwardMode === null
      ? "isolated"
      : (((NETWORK_FORWARD_MODES as readonly string[]).includes(n.forwardMode)
          ? n.forwardMode
          : "nat") as NetworkForwardMode);
  const ipOf = (family: "ipv4" | "ipv6"): IpForm => {
    const ip = n.ips.find((x) => x.family === family);
    if (!ip) return NO_IP;
    const r = ip.dhcpRanges[0];
    return {
      on: true,
      address: ip.address,
      prefix: String(ip.prefix ?? ""),
      dhcpStart: r?.start ?? "",
      dhcpEnd: r?.end ?? "",
    };
  };
  return {
    hostId: n.hostId,
    name: n.name,
    mode,
    bridge: mode === "macvtap" ? "" : (n.bridge ?? ""),
    dev: mode === "macvtap" ? (n.devices[0] ?? "") : (n.dev ?? ""),
    macvtapMode: macvtap ? (n.forwardMode as MacvtapMode) : "bridge",
    v4: ipOf("ipv4"),
    v6: ipOf("ipv6"),
    hosts: (n.ips.find((x) => x.family === "ipv4")?.hosts ?? []).map((h) => ({
      mac: h.mac ?? "",
      ip: h.ip,
      name: h.name ?? "",
    })),
    domain: n.domain ?? "",
    mtu: n.mtu === null ? "" : String(n.mtu),
    start: false,
    autostart: false,
  };
}

/** What each forward mode takes: libvirt-made bridge and addresses, an existing host bridge, or a host interface. */
const ROUTED = new Set<NetworkForwardMode>(["nat", "route", "open", "isolated"]);
const HAS_DEV = new Set<NetworkForwardMode>(["nat", "route", "macvtap"]);

function ipBody(ip: IpForm, family: "ipv4" | "ipv6", hosts: StaticHost[]) {
  return {
    family,
    address: ip.address.trim(),
    prefix: ip.prefix.trim() === "" ? undefined : Number(ip.prefix),
    ...(ip.dhcpStart.trim() || ip.dhcpEnd.trim() ? { dhcp: { start: ip.dhcpStart, end: ip.dhcpEnd } } : {}),
    hosts: hosts.map((h) => ({
      mac: h.mac.trim(),
      ip: h.ip.trim(),
      ...(h.name.trim() ? { name: h.name.trim() } : {}),
    })),
  };
}

/** The create request (lib/contracts/network.ts NetworkSpecSchema) and where each address family sits in `ips`. */
function requestOf(f: Form) {
  const routed = ROUTED.has(f.mode);
  const ips = [
    ...(routed && f.v4.on ? [ipBody(f.v4, "ipv4", f.hosts)] : []),
    ...(routed && f.v6.on ? [ipBody(f.v6, "ipv6", [])] : []),
  ];
  const body = {
    name: f.name.trim(),
    forwardMode: f.mode,
    ...(f.bridge.trim() && f.mode !== "macvtap" ? { bridge: f.bridge.trim() } : {}),
    ...(f.dev.trim() && HAS_DEV.has(f.mode) ? { dev: f.dev.trim() } : {}),
    ...(f.mode === "macvtap" ? { macvtapMode: f.macvtapMode } : {}),
    ...(f.mtu.trim() ? { mtu: Number(f.mtu) } : {}),
    ...(routed && f.domain.trim() ? { domain: f.domain.trim() } : {}),
    ips,
    start: f.start,
    autostart: f.autostart,
  };
  return { body, v4At: routed && f.v4.on ? 0 : -1, v6At: routed && f.v6.on ? (f.v4.on ? 1 : 0) : -1 };
}

/**
 * The create wizard, or with `editing` the edit form of that network: its stored definition is
 * rewritten (PUT); a running network takes it on its next start (`appliesAfterRestart`).
 */
export function NetworkCreateDialog({
  open,
  onClose,
  hosts,
  onSaved,
  editing,
}: {
  open: boolean;
  onClose: () => void;
  hosts: NetworkHostOption[];
  onSaved: (n: NetworkView, appliesAfterRestart: boolean) => void;
  editing?: NetworkView | null;
}) {
  const t = useTranslations("networks");
  const [form, setForm] = useState<Form>(() => blank(hosts[0]?.id ?? ""));
  const { busy, error, setError, call } = useApiCall();
  useEffect(() => {
    if (open) {
      setForm(editing ? formOf(editing) : blank(hosts[0]?.id ?? ""));
      setError(null);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- reset the form only when the dialog opens
  }, [open]);

  const set = (patch: Partial<Form>) => setForm((f) => ({ ...f, ...patch }));
  const setIp = (fam: "v4" | "v6", patch: Partial<IpForm>) =>
    setForm((f) => ({ ...f, [fam]: { ...f[fam], ...patch } }));
  const setHost = (i: number, patch: Partial<StaticHost>) =>
    setForm((f) => ({ ...f, hosts: f.hosts.map((h, j) => (j === i ? { ...h, ...patch } : h)) }));
  const { body, v4At, v6At } = requestOf(form);
  const fieldError = (path: string) => error?.fieldMessage(path);
  const ipError = (at: number, sub: string) => (at < 0 ? undefined : fieldError(`ips.${at}.${sub}`));
  const routed = ROUTED.has(form.mode);

  async function submit(e: FormEvent) {
    e.preventDefault();
    await call(async () => {
      if (editing) {
        const path = `/api/hosts/${editing.hostId}/networks/${encodeURIComponent(editing.name)}`;
        const res = await fetchJson<{ network: NetworkView; appliesAfterRestart: boolean }>(path, {
          method: "PUT",
          body,
        });
        onSaved(res.network, res.appliesAfterRestart);
      } else {
        const res = await fetchJson<{ network: NetworkView }>(`/api/hosts/${form.hostId}/networks`, {
          body,
        });
        onSaved(res.network, false);
      }
      onClose();
    });
  }

  const ipFields = (fam: "v4" | "v6", at: number) => {
    const ip = form[fam];
    const id = `network-${fam}`;
    return (
      <fieldset className="space-y-3 rounded-lg border border-slate-200 p-3 dark:border-slate-800">
        <legend className="px-1 text-sm font-medium">
          <CheckField
            label={fam === "v4" ? t("create.ipv4") : t("create.ipv6")}
            checked={ip.on}
            onChange={(on) => setIp(fam, { on })}
            testId={`${id}-on`}
          />
        </legend>
        {ip.on ? (
          <>
            <div className="grid grid-cols-3 gap-3">
              <TextField
                label={t("create.address")}
                error={ipError(at, "address")}
                className="col-span-2"
                required
                value={ip.address}
                onChange={(v) => setIp(fam, { address: v })}
                placeholder={fam === "v4" ? "192.168.100.1" : "fd00:100::1"}
                testId={`${id}-address`}
              />
              <TextField
                label={t("create.prefix")}
                error={ipError(at, "prefix")}
                required
                inputMode="numeric"
                value={ip.prefix}
                onChange={(v) => setIp(fam, { prefix: v })}
                testId={`${id}-prefix`}
              />
            </div>
            <div className="grid grid-cols-2 gap-3">
              <TextField
                label={t("create.dhcpStart")}
                error={ipError(at, "dhcp.start") ?? ipError(at, "dhcp")}
                value={ip.dhcpStart}
                onChange={(v) => setIp(fam, { dhcpStart: v })}
                testId={`${id}-dhcp-start`}
              />
              <TextField
                label={t("create.dhcpEnd")}
                error={ipError(at, "dhcp.end")}
                value={ip.dhcpEnd}
                onChange={(v) => setIp(fam, { dhcpEnd: v })}
                testId={`${id}-dhcp-end`}
              />
            </div>
            {fam === "v4" ? staticHosts(at) : null}
          </>
        ) : null}
      </fieldset>
    );
  };

  const staticHosts = (at: number) => (
    <div className="space-y-2" data-testid="network-static-hosts">
      <p className="text-sm font-medium">{t("create.staticHosts")}</p>
      {form.hosts.map((h, i) => (
        <div key={i} className="grid grid-cols-[1fr_1fr_1fr_auto] items-end gap-2">
          <TextField
            label={t("create.mac")}
            error={ipError(at, `hosts.${i}.mac`)}
            value={h.mac}
            onChange={(v) => setHost(i, { mac: v })}
            placeholder="52:54:00:12:34:56"
            testId={`network-host-${i}-mac`}
          />
          <TextField
            label={t("create.hostIp")}
            error={ipError(at, `hosts.${i}.ip`)}
            value={h.ip}
            onChange={(v) => setHost(i, { ip: v })}
            testId={`network-host-${i}-ip`}
          />
          <TextField
            label={t("create.hostName")}
            error={ipError(at, `hosts.${i}.name`)}
            value={h.name}
            onChange={(v) => setHost(i, { name: v })}
            testId={`network-host-${i}-name`}
          />
          <Button
            variant="ghost-danger"
            size="sm"
            onClick={() => set({ hosts: form.hosts.filter((_, j) => j !== i) })}
            testId={`network-host-${i}-remove`}
          >
            {t("create.removeHost")}
          </Button>
        </div>
      ))}
      <Button
        variant="secondary"
        size="sm"
        onClick={() => set({ hosts: [...form.hosts, { mac: "", ip: "", name: "" }] })}
        testId="network-host-add"
      >
        {t("create.addHost")}
      </Button>
    </div>
  );

  return (
    <FormDialog
      open={open}
      onClose={onClose}
      title={editing ? t("edit.title", { name: editing.name }) : t("create.title")}
      description={editing ? (editing.active ? t("edit.running") : t("edit.description")) : t("create.description")}
      size="lg"
      testId="network-create-dialog"
      formId="network-create-form"
      submitLabel={editing ? t("edit.submit") : t("create.submit")}
      pending={busy}
      submitTestId="network-create-submit"
    >
      <form id="network-create-form" onSubmit={submit} className="space-y-4">
        <div className={editing ? "hidden" : "flex flex-wrap gap-2"}>
          <Button variant="secondary" size="sm" onClick={() => setForm(PRESETS.nat)} testId="network-preset-nat">
            {t("create.presetNat")}
          </Button>
          <Button
            variant="secondary"
            size="sm"
            onClick={() => setForm(PRESETS.bridged)}
            testId="network-preset-bridged"
          >
            {t("create.presetBridged")}
          </Button>
        </div>
        <div className="grid grid-cols-2 gap-3">
          <Field label={t("create.host")} required>
            {(p) => (
              <Select
                {...p}
                value={form.hostId}
                onChange={(e) => set({ hostId: e.target.value })}
                disabled={!!editing}
                testId="network-host"
              >
                {hosts.map((h) => (
                  <option key={h.id} value={h.id}>
                    {h.name}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <TextField
            label={t("create.name")}
            hint={t("create.nameHint")}
            error={fieldError("name")}
            required
            value={form.name}
            onChange={(name) => set({ name })}
            readOnly={!!editing}
            testId="network-name"
            data-autofocus
          />
        </div>
        <ChoiceField
          label={t("create.mode")}
          hint={t(`modeHint.${form.mode}`)}
          required
          value={form.mode}
          choices={NETWORK_FORWARD_MODES}
          labelOf={(m) => t(`mode.${m}`)}
          onChange={(mode) => set({ mode })}
          testId="network-mode"
        />
        <div className="grid grid-cols-2 gap-3">
          {form.mode !== "macvtap" ? (
            <TextField
              label={form.mode === "bridge" ? t("create.hostBridge") : t("create.bridge")}
              hint={form.mode === "bridge" ? t("create.hostBridgeHint") : t("create.bridgeHint")}
              error={fieldError("bridge")}
              required={form.mode === "bridge"}
              value={form.bridge}
              onChange={(bridge) => set({ bridge })}
              testId="network-bridge"
            />
          ) : null}
          {HAS_DEV.has(form.mode) ? (
            <TextField
              label={t("create.dev")}
              hint={form.mode === "macvtap" ? t("create.devHintMacvtap") : t("create.devHint")}
              error={fieldError("dev")}
              required={form.mode === "macvtap"}
              value={form.dev}
              onChange={(dev) => set({ dev })}
              testId="network-dev"
            />
          ) : null}
          {form.mode === "macvtap" ? (
            <ChoiceField
              label={t("create.macvtapMode")}
              value={form.macvtapMode}
              choices={MACVTAP_MODES}
              onChange={(macvtapMode) => set({ macvtapMode })}
              testId="network-macvtap-mode"
            />
          ) : null}
          <TextField
            label={t("create.mtu")}
            error={fieldError("mtu")}
            inputMode="numeric"
            value={form.mtu}
            onChange={(mtu) => set({ mtu })}
            testId="network-mtu"
          />
          {routed ? (
            <TextField
              label={t("create.domain")}
              error={fieldError("domain")}
              value={form.domain}
              onChange={(domain) => set({ domain })}
              placeholder="lab.example"
              testId="network-domain"
            />
          ) : null}
        </div>
        {routed ? (
          <>
            {ipFields("v4", v4At)}
            {ipFields("v6", v6At)}
          </>
        ) : null}
        <div className={editing ? "hidden" : "flex flex-wrap gap-4"}>
          <CheckField
            label={t("create.start")}
            checked={form.start}
            onChange={(start) => set({ start })}
            testId="network-start-now"
          />
          <CheckField
            label={t("create.autostart")}
            checked={form.autostart}
            onChange={(autostart) => set({ autostart })}
            testId="network-autostart-on"
          />
        </div>
        {error ? <ErrorBanner testId="network-create-error">{error.message}</ErrorBanner> : null}
      </form>
    </FormDialog>
  );
}
