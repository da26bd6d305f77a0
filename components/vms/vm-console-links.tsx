"use client";

import Link from "next/link";
import { useEffect, useState } from "react";
import { useTranslations } from "use-intl";
import { buttonClasses } from "@/components/ui/button";
import type { VmDetail } from "@/components/vms/types";

const ACTIVE = new Set(["running", "blocked", "paused", "shutdown", "crashed", "pmsuspended"]);

function consoleHref(vm: Pick<VmDetail, "hostId" | "uuid">, kind: string) {
  return `/vms/${encodeURIComponent(vm.hostId)}/${encodeURIComponent(vm.uuid)}/console?kind=${kind}`;
}

/** "Console" and "Serial console" buttons; each opens (or reuses) the VM's console window. */
export function VmConsoleLinks({ vm }: { vm: VmDetail }) {
  const t = useTranslations("vms");
  if (!ACTIVE.has(vm.state)) return null;
  const target = `console-${vm.hostId}-${vm.uuid}`;
  return (
    <div className="flex flex-wrap gap-2" data-testid="vm-console-links">
      {vm.graphics ? (
        <Link
          href={consoleHref(vm, vm.graphics)}
          target={target}
          className={buttonClasses({ variant: "primary", size: "sm" })}
          data-testid="vm-console"
        >
          {t("detail.console")}
        </Link>
      ) : null}
      {vm.serials > 0 ? (
        <Link
          href={consoleHref(vm, "serial")}
          target={`${target}-serial`}
          className={buttonClasses({ variant: "secondary", size: "sm" })}
          data-testid="vm-console-serial"
        >
          {t("detail.serialConsole")}
        </Link>
      ) : null}
    </div>
  );
}

/**
 * The guest's screen, refreshed every few seconds while the tab is visible. The
 * server caches captures, so many open pages cost one capture per VM.
 */
export function VmThumbnail({
  vm,
  everyMs = 5_000,
}: {
  vm: Pick<VmDetail, "hostId" | "uuid" | "state" | "graphics" | "name">;
  everyMs?: number;
}) {
  const t = useTranslations("vms");
  const [tick, setTick] = useState(0);
  const [failed, setFailed] = useState(false);
  const live = ACTIVE.has(vm.state) && vm.graphics !== null;
  useEffect(() => {
    if (!live) return;
    const id = setInterval(() => {
      if (document.visibilityState === "visible") setTick((n) => n + 1);
    }, everyMs);
    return () => clearInterval(id);
  }, [live, everyMs]);
  if (!live) return null;
  const src = `/api/vms/${encodeURIComponent(vm.hostId)}/${encodeURIComponent(vm.uuid)}/screenshot?t=${tick}`;
  return (
    <div
      className="w-full max-w-xs overflow-hidden rounded-lg border border-slate-200 bg-black dark:border-slate-800"
      data-testid="vm-thumbnail"
    >
      {failed ? (
        <p className="p-4 text-xs text-slate-300">{t("detail.thumbnailUnavailable")}</p>
      ) : (
        // eslint-disable-next-line @next/next/no-img-element -- a live image from our own API, not a static asset
        <img
          src={src}
          alt={t("detail.thumbnailAlt", { name: vm.name })}
          className="block h-auto w-full"
          onError={() => setFailed(true)}
          onLoad={() => setFailed(false)}
        />
      )}
    </div>
  );
}
