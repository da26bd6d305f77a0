"use client";

import * as RadixDialog from "@radix-ui/react-dialog";
import { Command } from "cmdk";
import { useRouter } from "next/navigation";
import { useDeferredValue, useEffect, useState, type ReactNode } from "react";
import { useTranslations } from "use-intl";
import { useApi } from "@/components/data/use-api";
import { Spinner } from "@/components/ui/button";
import { cn, focusRing } from "@/components/ui/cn";
import { ArrowRightIcon, MonitorIcon, SearchIcon, ServerIcon } from "@/components/ui/icons";
import { navItemsFor } from "@/components/shell/nav-items";
import type { ShellUser } from "@/components/shell/types";
import { hostHref } from "@/components/hosts/types";
import { useVmActions } from "@/components/vms/use-vm-actions";
import { vmHref, vmKey, type VmAction, type VmListResponse, type VmSummary } from "@/components/vms/types";

/** VMs the palette lists for what is typed (the server searches names, titles and UUIDs). */
const VM_LIMIT = 8;
/** VMs whose actions (start, shut down, console) the palette offers: the best matches. */
const ACTION_VMS = 3;
const PALETTE_ACTIONS: VmAction[] = ["start", "shutdown"];

interface HostRow {
  id: string;
  name: string;
  address: string;
}

/** True when a key press belongs to what the user is typing (or to a console's guest), not to the app. */
export function typingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target.closest("input, textarea, select, canvas, .xterm, [data-console-keys]")) return true;
  return false;
}

/**
 * The keyboard's way around: Ctrl+K (⌘K) or `/` opens a search over pages, VMs and hosts that also runs the
 * common VM actions (start, shut down, console) the user may run on each; `?` lists the shortcuts. Only
 * what the user may see is listed (the API answers per user), only what they may do is offered.
 */
export function CommandPalette({ user }: { user: ShellUser }) {
  const t = useTranslations("palette");
  const [open, setOpen] = useState(false);
  const [help, setHelp] = useState(false);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing) return;
      // A console's guest gets its own keys, Ctrl+K included.
      const inConsole = e.target instanceof Element && e.target.closest("canvas, .xterm, [data-console-keys]");
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "k" && !inConsole) {
        e.preventDefault();
        setHelp(false);
        setOpen((o) => !o);
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey || typingTarget(e.target)) return;
      // Another dialog is open: its keys are its own.
      if (document.querySelector('[role="dialog"], [role="alertdialog"]')) return;
      if (e.key === "/") {
        e.preventDefault();
        setOpen(true);
      } else if (e.key === "?") {
        e.preventDefault();
        setHelp(true);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  return (
    <>
      <button
        type="button"
        onClick={() => setOpen(true)}
        data-testid="palette-open"
        aria-label={t("openLabel")}
        aria-keyshortcuts="Control+K"
        title={`${t("openLabel")} (Ctrl K)`}
        className={cn(
          "inline-flex h-9 items-center gap-2 rounded-md px-2 text-sm text-slate-600 hover:bg-slate-100 hover:text-slate-900 sm:ring-1 sm:ring-slate-200 sm:ring-inset",
          "dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-slate-50 sm:dark:ring-slate-700",
          focusRing,
        )}
      >
        <SearchIcon className="size-5 sm:size-4" />
        <span className="hidden md:inline">{t("open")}</span>
        <kbd className="hidden rounded bg-slate-100 px-1.5 font-sans text-xs text-slate-600 md:inline dark:bg-slate-800 dark:text-slate-300">
          Ctrl K
        </kbd>
      </button>
      {open ? (
        <PaletteDialog user={user} onClose={() => setOpen(false)} onHelp={() => (setOpen(false), setHelp(true))} />
      ) : null}
      <ShortcutsDialog open={help} onClose={() => setHelp(false)} />
    </>
  );
}

function PaletteDialog({ user, onClose, onHelp }: { user: ShellUser; onClose: () => void; onHelp: () => void }) {
  const t = useTranslations("palette");
  const tn = useTranslations("shell.nav");
  const tv = useTranslations("vms");
  const router = useRouter();
  const [search, setSearch] = useState("");
  const q = useDeferredValue(search.trim());
  const needle = q.toLowerCase();

  const seesHosts = user.anyPrivileges.includes("host.view");
  // No previous answer kept while the next one loads: an action must never be offered on a VM of an older search.
  const vms = useApi<VmListResponse>(
    `/api/vms?${new URLSearchParams({ q, pageSize: String(VM_LIMIT), sort: "name" })}`,
  );
  const settled = q === search.trim() && !vms.isLoading;
  const hosts = useApi<{ hosts: HostRow[] }>(seesHosts ? "/api/hosts" : null);
  const actions = useVmActions({
    onResult: () => void vms.mutate(),
    onSucceeded: () => onClose(),
  });

  const pages = navItemsFor(user).filter((p) => !needle || tn(p.key).toLowerCase().includes(needle));
  const hostRows = (hosts.data?.hosts ?? [])
    .filter((h) => !needle || h.name.toLowerCase().includes(needle) || h.address.toLowerCase().includes(needle))
    .slice(0, 6);
  const vmRows = vms.data?.vms ?? [];
  const may = (vm: VmSummary, privilege: string) =>
    !vms.data?.privileges || (vms.data.privileges[`${vm.hostId}/${vm.uuid}`.toLowerCase()] ?? []).includes(privilege);
  const vmActions = vmRows.slice(0, q && settled ? ACTION_VMS : 0).flatMap((vm) => [
    ...PALETTE_ACTIONS.filter((a) => vm.allowedActions.includes(a) && may(vm, "vm.power")).map((a) => ({
      vm,
      id: a,
      label: t(`vmAction.${a}`, { name: vm.name }),
      run: () => actions.request(vm, a),
    })),
    ...(vm.graphics && vm.state !== "shutoff" && vm.state !== "nostate" && may(vm, "vm.console")
      ? [
          {
            vm,
            id: "console",
            label: t("vmAction.console", { name: vm.name }),
            run: () => {
              window.open(`${vmHref(vm)}/console?kind=${vm.graphics}`, `console-${vm.hostId}-${vm.uuid}`);
              onClose();
            },
          },
        ]
      : []),
  ]);
  const showHelp = !needle || t("shortcuts").toLowerCase().includes(needle);
  // The first result is the chosen one whenever the results change (they arrive after the typing).
  const values = [
    ...vmActions.map((a) => `action:${vmKey(a.vm)}:${a.id}`),
    ...vmRows.map((vm) => `vm:${vmKey(vm)}`),
    ...hostRows.map((h) => `host:${h.id}`),
    ...pages.map((p) => `page:${p.key}`),
    ...(showHelp ? ["help:shortcuts"] : []),
  ];
  const signature = values.join("\n");
  const [selected, setSelected] = useState("");
  const [selectedFor, setSelectedFor] = useState<string | null>(null);
  if (signature !== selectedFor) {
    setSelectedFor(signature);
    setSelected(values[0] ?? "");
  }
  const go = (href: string) => {
    onClose();
    router.push(href);
  };
  const busy = actions.busyAction;

  return (
    <RadixDialog.Root open onOpenChange={(next) => !next && onClose()}>
      <RadixDialog.Portal>
        <RadixDialog.Overlay className="fixed inset-0 z-50 bg-slate-950/50" />
        <RadixDialog.Content
          aria-describedby={undefined}
          data-testid="palette"
          className="fixed top-[10dvh] left-1/2 z-50 flex max-h-[80dvh] w-[calc(100%-1.5rem)] max-w-xl -translate-x-1/2 flex-col overflow-hidden rounded-xl bg-white shadow-2xl ring-1 ring-slate-200 focus:outline-none dark:bg-slate-900 dark:ring-slate-700"
        >
          <RadixDialog.Title className="sr-only">{t("title")}</RadixDialog.Title>
          <Command
            label={t("title")}
            shouldFilter={false}
            loop
            value={selected}
            onValueChange={setSelected}
            className="flex min-h-0 flex-col"
          >
            <div className="flex items-center gap-2 border-b border-slate-200 px-4 dark:border-slate-800">
              <Command.Input
                value={search}
                onValueChange={setSearch}
                placeholder={t("placeholder")}
                data-testid="palette-input"
                maxLength={200}
                className="h-12 min-w-0 flex-1 bg-transparent text-sm text-slate-900 outline-none placeholder:text-slate-500 dark:text-slate-100 dark:placeholder:text-slate-400"
              />
              {vms.isLoading || vms.isValidating ? <Spinner className="size-4 text-slate-500" /> : null}
            </div>
            {actions.failure ? (
              <p role="alert" className="px-4 pt-2 text-sm text-red-700 dark:text-red-300" data-testid="palette-error">
                {actions.failureText(actions.failure)}: {actions.failure.message}
              </p>
            ) : null}
            <Command.List className="min-h-0 overflow-y-auto p-2" data-testid="palette-list">
              <Command.Empty className="px-3 py-6 text-center text-sm text-slate-600 dark:text-slate-400">
                {vms.isLoading ? t("searching") : t("empty")}
              </Command.Empty>
              {vmActions.length ? (
                <Group heading={t("groups.actions")}>
                  {vmActions.map((a) => (
                    <Item
                      key={`${vmKey(a.vm)}:${a.id}`}
                      value={`action:${vmKey(a.vm)}:${a.id}`}
                      testId={`palette-action-${a.id}`}
                      data-uuid={a.vm.uuid}
                      disabled={busy(a.vm) !== null}
                      onSelect={a.run}
                      icon={busy(a.vm) !== null ? <Spinner /> : <ArrowRightIcon />}
                    >
                      {a.label}
                    </Item>
                  ))}
                </Group>
              ) : null}
              {vmRows.length ? (
                <Group heading={t("groups.vms")}>
                  {vmRows.map((vm) => (
                    <Item
                      key={vmKey(vm)}
                      value={`vm:${vmKey(vm)}`}
                      testId="palette-vm"
                      data-uuid={vm.uuid}
                      onSelect={() => go(vmHref(vm))}
                      icon={<MonitorIcon />}
                      hint={`${tv(`states.${vm.state}`)} · ${vm.hostName}`}
                    >
                      {vm.name}
                    </Item>
                  ))}
                </Group>
              ) : null}
              {hostRows.length ? (
                <Group heading={t("groups.hosts")}>
                  {hostRows.map((h) => (
                    <Item
                      key={h.id}
                      value={`host:${h.id}`}
                      testId="palette-host"
                      data-host-id={h.id}
                      onSelect={() => go(hostHref(h.id))}
                      icon={<ServerIcon />}
                      hint={h.address}
                    >
                      {h.name}
                    </Item>
                  ))}
                </Group>
              ) : null}
              {pages.length ? (
                <Group heading={t("groups.pages")}>
                  {pages.map((p) => (
                    <Item
                      key={p.key}
                      value={`page:${p.key}`}
                      testId={`palette-page-${p.key}`}
                      onSelect={() => go(p.href)}
                      icon={<p.icon />}
                    >
                      {tn(p.key)}
                    </Item>
                  ))}
                </Group>
              ) : null}
              {showHelp ? (
                <Group heading={t("groups.help")}>
                  <Item value="help:shortcuts" testId="palette-shortcuts" onSelect={onHelp} hint="?">
                    {t("shortcuts")}
                  </Item>
                </Group>
              ) : null}
            </Command.List>
            <p className="border-t border-slate-200 px-4 py-2 text-xs text-slate-600 dark:border-slate-800 dark:text-slate-400">
              {t("footer")}
            </p>
          </Command>
          {actions.dialog}
        </RadixDialog.Content>
      </RadixDialog.Portal>
    </RadixDialog.Root>
  );
}

function Group({ heading, children }: { heading: string; children: ReactNode }) {
  return (
    <Command.Group
      heading={heading}
      className="mb-1 [&_[cmdk-group-heading]]:px-2 [&_[cmdk-group-heading]]:py-1.5 [&_[cmdk-group-heading]]:text-xs [&_[cmdk-group-heading]]:font-semibold [&_[cmdk-group-heading]]:text-slate-600 dark:[&_[cmdk-group-heading]]:text-slate-400"
    >
      {children}
    </Command.Group>
  );
}

function Item({
  value,
  testId,
  onSelect,
  icon,
  hint,
  disabled,
  children,
  ...data
}: {
  value: string;
  testId: string;
  onSelect: () => void;
  icon?: ReactNode;
  hint?: string;
  disabled?: boolean;
  children: ReactNode;
  "data-uuid"?: string;
  "data-host-id"?: string;
}) {
  return (
    <Command.Item
      value={value}
      onSelect={onSelect}
      disabled={disabled}
      data-testid={testId}
      {...data}
      className={cn(
        "flex cursor-default items-center gap-3 rounded-md px-2 py-2 text-sm text-slate-800 select-none dark:text-slate-100",
        "data-[selected=true]:bg-indigo-50 data-[selected=true]:text-indigo-900 dark:data-[selected=true]:bg-indigo-950 dark:data-[selected=true]:text-indigo-100",
        "data-[disabled=true]:opacity-60",
        "[&_svg]:size-4 [&_svg]:shrink-0 [&_svg]:text-slate-500 dark:[&_svg]:text-slate-400",
      )}
    >
      {icon ?? <span className="size-4" aria-hidden="true" />}
      <span className="min-w-0 flex-1 truncate">{children}</span>
      {hint ? <span className="shrink-0 text-xs text-slate-600 dark:text-slate-400">{hint}</span> : null}
    </Command.Item>
  );
}

const SHORTCUTS: { keys: string[]; id: string }[] = [
  { keys: ["Ctrl", "K"], id: "palette" },
  { keys: ["/"], id: "search" },
  { keys: ["?"], id: "help" },
  { keys: ["↑", "↓"], id: "move" },
  { keys: ["Enter"], id: "run" },
  { keys: ["Esc"], id: "close" },
];

/** The keyboard shortcuts, listed (`?`). */
function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const t = useTranslations("palette");
  const tc = useTranslations("common");
  return (
    <RadixDialog.Root open={open} onOpenChange={(next) => !next && onClose()}>
      <RadixDialog.Portal>
        <RadixDialog.Overlay className="fixed inset-0 z-50 bg-slate-950/50" />
        <RadixDialog.Content
          data-testid="shortcuts"
          className="fixed top-1/2 left-1/2 z-50 w-[calc(100%-2rem)] max-w-md -translate-x-1/2 -translate-y-1/2 rounded-xl bg-white p-5 shadow-xl ring-1 ring-slate-200 focus:outline-none dark:bg-slate-900 dark:text-slate-100 dark:ring-slate-800"
        >
          <RadixDialog.Title className="text-base font-semibold">{t("help.title")}</RadixDialog.Title>
          <RadixDialog.Description className="mt-1 text-sm text-slate-600 dark:text-slate-400">
            {t("help.intro")}
          </RadixDialog.Description>
          <dl className="mt-4 divide-y divide-slate-200 text-sm dark:divide-slate-800">
            {SHORTCUTS.map((s) => (
              <div key={s.id} className="flex items-center justify-between gap-4 py-2" data-testid="shortcut">
                <dt className="text-slate-800 dark:text-slate-200">{t(`help.keys.${s.id}`)}</dt>
                <dd className="flex shrink-0 gap-1">
                  {s.keys.map((k) => (
                    <kbd
                      key={k}
                      className="rounded bg-slate-100 px-1.5 py-0.5 font-sans text-xs text-slate-700 ring-1 ring-slate-300 ring-inset dark:bg-slate-800 dark:text-slate-200 dark:ring-slate-600"
                    >
                      {k}
                    </kbd>
                  ))}
                </dd>
              </div>
            ))}
          </dl>
          <div className="mt-4 flex justify-end">
            <RadixDialog.Close
              data-testid="shortcuts-close"
              className="h-9 rounded-md bg-white px-4 text-sm font-medium text-slate-900 shadow-sm ring-1 ring-slate-300 ring-inset hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 dark:bg-slate-800 dark:text-slate-100 dark:ring-slate-700"
            >
              {tc("actions.close")}
            </RadixDialog.Close>
          </div>
        </RadixDialog.Content>
      </RadixDialog.Portal>
    </RadixDialog.Root>
  );
}
