import "server-only";
import { AppError } from "@/lib/http/errors";
import { domainCreateXml, type DomainDiskCreate } from "@/lib/libvirt/domain-xml-create";
import type { VolumeWire } from "@/lib/libvirt/storage-xml";
import { imageInspect } from "@/lib/storage/image-inspect";
import { domainDefine, domainDefineEarly, domainLifecycle, domainUndefineTry } from "@/lib/virt/domain";
import { poolGetMany, poolRefresh, poolRefreshQuiet } from "@/lib/virt/storage-pool";
import {
  volumeCreate,
  volumeCreateFrom,
  volumeDeleteTry,
  volumeFind,
  volumePaths,
  volumePoolOf,
  volumeResize,
} from "@/lib/virt/storage-volume";
import { FILE_COPY_EXISTS, fileCopyArgv, fileCopyPlan, parseAllocatedLines } from "./file-copy";
import { domainCloneXml } from "@/lib/libvirt/domain-xml-update";
import { xmlAppend, xmlNewDocument, xmlSerialize } from "@/lib/libvirt/xml-build";
import { inventoryInvalidate } from "@/lib/fleet/inventory";
import { msg } from "@/lib/tasks/task-text";
import type { MessageRef } from "@/lib/contracts/messages";
import type { ProvHost } from "./host-access";
import type { CreatePlan, VolumeStep } from "./plan-schema";

/** How long a disk copy may take, on the app side (the exec) and on the host (`timeout`). */
const COPY_TIMEOUT_MS = 12 * 3600_000;

export interface PlanRunHooks {
  progress?: (percent: number, message?: MessageRef) => Promise<void>;
  log?: (line: MessageRef) => Promise<void>;
}

/** Volume XML for vol-create-from: same name/format/capacity rules as vol-create-as. */
export function volumeCreateXml(o: { name: string; capacityBytes: number; format: string }): string {
  const { root } = xmlNewDocument("volume");
  xmlAppend(root, "name", {}, o.name);
  xmlAppend(root, "capacity", { unit: "bytes" }, o.capacityBytes);
  xmlAppend(xmlAppend(root, "target"), "format", { type: o.format });
  return xmlSerialize(root);
}

/**
 * imageInspect through the provisioning host's exec. `backingChain`: the image is one virtdeck
 * declared (a VM's disk by its <driver type>, a template's base image by the template's disk
 * format), so a verified chain of pool volumes under a qcow2 is accepted (linked clones).
 */
export function provImageInspect(
  h: ProvHost,
  path: string,
  declaredFormat: "raw" | "qcow2",
  label: string,
  opts: { backingChain?: boolean } = {},
) {
  return imageInspect({
    host: h,
    path,
    declaredFormat,
    label,
    backingChain: opts.backingChain
      ? { inPool: async (p) => (await volumePoolOf({ host: h, path: p })) !== null }
      : undefined,
  });
}

const chainKey = (c: readonly { path: string; format: string }[]) => JSON.stringify(c.map((l) => [l.path, l.format]));

async function volumeStepRun(
  h: ProvHost,
  step: VolumeStep,
  hooks: PlanRunHooks,
  share: { from: number; to: number },
): Promise<void> {
  const capacity = `${step.capacityBytes}b`;
  switch (step.kind) {
    case "overlay":
      {
        const base = await provImageInspect(h, step.backingPath, step.backingFormat, step.backingPath, {
          backingChain: true,
        });
        if (chainKey(base.chain) !== chainKey(step.backingChain)) {
          throw new AppError(
            "invalid_input",
            `Refused: ${step.backingPath}: its backing chain changed since the clone was planned`,
          );
        }
      }
      // The backing format is given explicitly (-F): never probed from the base image's bytes.
      await volumeCreate({
        host: h,
        pool: step.pool,
        name: step.name,
        capacity,
        format: "qcow2",
        backing: { path: step.backingPath, format: step.backingFormat },
      });
      return;
    case "empty":
      await volumeCreate({ host: h, pool: step.pool, name: step.name, capacity, format: step.format });
      return;
    case "copy": {
      const srcVol = await copySourceChecked(h, step);
      if (await fileCopy(h, step, srcVol, hooks, share)) return;
      // libvirt's copy reads the source as the format libvirt detected at its last refresh:
      // only when that is the declared format and libvirt sees no backing file.
      const srcFormat = step.srcFormat ?? step.format;
      const libvirtBacking = srcVol.backingPath ? `${srcVol.backingPath} (${srcVol.backingFormat ?? "?"})` : "none";
      const declaredBacking = srcVol.chain[0] ? `${srcVol.chain[0].path} (${srcVol.chain[0].format})` : "none";
      if (srcVol.format !== srcFormat || libvirtBacking !== declaredBacking) {
        throw new AppError(
          "invalid_input",
          `Refused: ${step.srcPool}/${step.srcName}: libvirt reads it as ${srcVol.format ?? "an unknown format"} with backing file ${libvirtBacking}, not as the declared ${srcFormat} with ${declaredBacking} (refresh the pool)`,
        );
      }
      const xml = volumeCreateXml({ name: step.name, capacityBytes: step.capacityBytes, format: step.format });
      const copy = volumeCreateFrom({
        host: h,
        pool: step.pool,
        xml,
        srcPool: step.srcPool,
        srcName: step.srcName,
        timeoutMs: 12 * 3600_000,
      });
      // libvirt reports no progress for a copy: watch the new volume's allocation grow instead.
      const watch = copyWatch(
        copy,
        step,
        hooks,
        share,
        async () => (await volumeFind({ host: h, ref: { pool: step.pool, name: step.name } }))?.allocationBytes ?? null,
      );
      await copy;
      await watch;
      return;
    }
  }
}

const copyingStep = (name: string, frac: number) => msg("steps.copying", { name, percent: Math.round(frac * 100) });

/** Progress of a copy read by `read` (bytes written so far) every 500 ms until `copy` settles. */
async function copyWatch(
  copy: Promise<unknown>,
  step: Extract<VolumeStep, { kind: "copy" }>,
  hooks: PlanRunHooks,
  share: { from: number; to: number },
  read: () => Promise<number | null>,
): Promise<void> {
  let done = false;
  void copy.then(
    () => (done = true),
    () => (done = true),
  );
  while (!done) {
    // Wake at the next tick or as soon as the copy ends, whichever is first.
    await Promise.race([new Promise((r) => setTimeout(r, 500)), copy.catch(() => {})]);
    if (done || !hooks.progress) continue;
    const alloc = await read().catch(() => null);
    if (alloc === null) continue;
    const frac = step.srcAllocationBytes > 0 ? Math.min(0.99, alloc / step.srcAllocationBytes) : 0;
    if (!done) await hooks.progress(share.from + (share.to - share.from) * frac, copyingStep(step.srcName, frac));
  }
}

/** The copy's source volume, once its bytes pass imageInspect as its declared format. */
async function copySourceChecked(
  h: ProvHost,
  step: Extract<VolumeStep, { kind: "copy" }>,
): Promise<VolumeWire & { chain: { path: string; format: string }[] }> {
  const srcVol = await volumeFind({ host: h, ref: { pool: step.srcPool, name: step.srcName } });
  if (!srcVol) throw new AppError("not_found", `${h.host.name}: no volume ${step.srcName} in pool ${step.srcPool}`);
  if (!srcVol.path) throw new AppError("invalid_state", `${h.host.name}: ${step.srcPool}/${step.srcName} has no path`);
  const info = await provImageInspect(
    h,
    srcVol.path,
    step.srcFormat ?? step.format,
    `${step.srcPool}/${step.srcName}`,
    { backingChain: true },
  );
  // Its size as the declared format reads it (libvirt's figure comes from its own probe).
  return { ...srcVol, capacityBytes: info.virtualSizeBytes, chain: info.chain };
}

/**
 * The file copy (see file-copy.ts) when the pools allow it; false when they do not and libvirt's
 * copy must run instead. The source has passed imageInspect as its declared format, so `cp`
 * copies bytes nothing reinterprets. On failure the partial file is removed.
 */
async function fileCopy(
  h: ProvHost,
  step: Extract<VolumeStep, { kind: "copy" }>,
  srcVol: VolumeWire & { chain: unknown[] },
  hooks: PlanRunHooks,
  share: { from: number; to: number },
): Promise<boolean> {
  const [[pool, srcPool], dest] = await Promise.all([
    poolGetMany({ host: h, pools: [step.pool, step.srcPool] }),
    volumeFind({ host: h, ref: { pool: step.pool, name: step.name } }),
  ]);
  if (!pool || !srcPool) return false;
  const decided = fileCopyPlan({
    format: step.format,
    srcFormat: step.srcFormat ?? step.format,
    srcHasBacking: srcVol.chain.length > 0,
    capacityBytes: step.capacityBytes,
    name: step.name,
    pool,
    srcPool,
    src: srcVol,
    destExists: dest !== null,
  });
  if ("reason" in decided) {
    await hooks.log?.(msg("lines.copyLibvirt", { reason: decided.reason }));
    return false;
  }
  await hooks.log?.(msg("lines.copyFile", { source: decided.srcPath, target: decided.dstPath }));
  // The copy prints the destination's allocation twice a second (file-copy.ts); the newest
  // figure is reported once the previous report is written, so a slow database drops figures
  // instead of queueing them.
  let pending = "";
  let reporting: Promise<void> | null = null;
  const onStdout = (b: Buffer) => {
    const { allocated, rest } = parseAllocatedLines(pending + b.toString("latin1"));
    pending = rest.slice(-200);
    if (allocated === null || !hooks.progress || reporting) return;
    const frac = step.srcAllocationBytes > 0 ? Math.min(0.99, allocated / step.srcAllocationBytes) : 0;
    reporting = hooks
      .progress(share.from + (share.to - share.from) * frac, copyingStep(step.srcName, frac))
      .catch(() => {})
      .finally(() => (reporting = null));
  };
  const copyStarted = Date.now();
  const copy = h.exec(fileCopyArgv(decided.srcPath, decided.dstPath, COPY_TIMEOUT_MS / 1000), COPY_TIMEOUT_MS, {
    onStdout,
  });
  const watch = copy.then(
    () => reporting,
    () => reporting,
  );
  const removePartial = () => h.exec(["rm", "-f", "--", decided.dstPath], 60_000).catch(() => {});
  let r: Awaited<typeof copy>;
  try {
    r = await copy;
  } catch (err) {
    await watch;
    // The exec failed or timed out after the destination may have been created.
    await removePartial();
    throw err;
  }
  await watch;
  if (r.code === 0) await hooks.log?.(msg("lines.copied", { seconds: ((Date.now() - copyStarted) / 1000).toFixed(1) }));
  if (r.code === FILE_COPY_EXISTS) throw new AppError("conflict", `${h.host.name}: ${decided.dstPath} already exists`);
  if (r.code !== 0) {
    await removePartial();
    throw new AppError(
      "action_failed",
      `${h.host.name}: copying ${step.srcName} failed: ${r.stderr.trim() || `exit ${r.code}`}`,
    );
  }
  try {
    await poolRefresh({ host: h, pools: [step.pool] });
    if (step.capacityBytes > srcVol.capacityBytes)
      await volumeResize({ host: h, pool: step.pool, name: step.name, capacity: `${step.capacityBytes}b` });
  } catch (err) {
    await removePartial();
    await poolRefreshQuiet({ host: h, pool: step.pool });
    throw err;
  }
  return true;
}

/** Makes the volumes, defines the domain and starts it; undoes what it made when a step fails. */
export async function planRun(
  h: ProvHost,
  plan: CreatePlan,
  hooks: PlanRunHooks = {},
): Promise<{ uuid: string; name: string; started: boolean }> {
  const made: { pool: string; name: string }[] = [];
  let defined = false;
  const copies = plan.volumes.filter((v) => v.kind === "copy").length;
  let copyIndex = 0;
  // `define` reads the XML from stdin, so it cannot go through the virsh session: with a copy to
  // wait for, its exec (and the host's login shell) starts now and is fed the XML afterwards.
  const define = copies ? domainDefineEarly({ host: h }) : null;
  try {
    for (const step of plan.volumes) {
      await hooks.log?.(msg("lines.volumeCreating", { pool: step.pool, name: step.name, kind: step.kind }));
      const from = copies ? 5 + (85 * copyIndex) / copies : 5;
      const to = copies ? 5 + (85 * (copyIndex + 1)) / copies : 5;
      await volumeStepRun(h, step, hooks, { from, to });
      if (step.kind === "copy") copyIndex++;
      made.push({ pool: step.pool, name: step.name });
    }
    await hooks.progress?.(90, msg("steps.defining"));
    const refs = plan.domain.disks.filter((d) => d.volume);
    const paths = await volumePaths({
      host: h,
      refs: refs.map((d) => ({ pool: d.volume!.pool, name: d.volume!.name })),
    });
    let k = 0;
    const disks: DomainDiskCreate[] = plan.domain.disks.map((d) => ({
      device: d.device,
      format: d.format,
      bus: d.bus,
      cache: d.cache,
      readonly: d.readonly,
      path: d.volume ? paths[k++] : undefined,
      backing: d.backing,
    }));
    let xml: string;
    if (plan.clone) {
      const clonePaths = await volumePaths({
        host: h,
        refs: plan.clone.disks.map((d) => ({ pool: d.volume.pool, name: d.volume.name })),
      });
      xml = domainCloneXml(plan.clone.sourceXml, {
        name: plan.domain.name,
        uuid: plan.domain.uuid,
        title: plan.clone.title,
        diskPaths: new Map(plan.clone.disks.map((d, i) => [d.from, clonePaths[i]])),
        overlays: new Map(plan.clone.disks.flatMap((d) => (d.backing ? [[d.from, d.backing] as const] : []))),
      });
    } else {
      xml = domainCreateXml({ ...plan.domain, disks });
    }
    if (define) await define.feed(xml);
    else await domainDefine({ host: h, xml });
    defined = true;
    await hooks.log?.(msg("lines.defined", { name: plan.domain.name, uuid: plan.domain.uuid }));
    if (plan.start) {
      await hooks.progress?.(95, msg("steps.starting"));
      // A new guest has no saved state to restore: its start is quick, so it goes through the
      // host's virsh session rather than paying for an exec (and the login shell) of its own.
      await domainLifecycle({ host: h, uuid: plan.domain.uuid, verb: "start" });
      await hooks.log?.(msg("lines.started"));
    }
    inventoryInvalidate(h.host.id, [plan.domain.name]);
    return { uuid: plan.domain.uuid, name: plan.domain.name, started: plan.start };
  } catch (err) {
    define?.cancel();
    await hooks.log?.(msg("lines.buildFailed", { error: err instanceof Error ? err.message : String(err) }));
    if (defined) {
      const uuid = plan.domain.uuid;
      await domainLifecycle({ host: h, uuid, verb: "destroy" }).catch(() => {});
      const u = await domainUndefineTry({ host: h, uuid, flags: ["--nvram"] }).catch(() => ({ ok: false }));
      if (!u.ok) await domainUndefineTry({ host: h, uuid }).catch(() => {});
    }
    for (const v of [...made, ...plan.cleanup].reverse()) await volumeDeleteTry({ host: h, ref: v });
    inventoryInvalidate(h.host.id, [plan.domain.name]);
    throw err;
  }
}
