import "server-only";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { conflictOnUnique } from "@/lib/db/errors";
import { AppError } from "@/lib/http/errors";
import { auditRecord } from "@/lib/audit/audit";
import type { Caller } from "@/lib/authz/caller";
import { authorizeOrThrow, type DeniedRequest, type Principal } from "@/lib/authz";
import { inventoryDomain, inventoryGet } from "@/lib/fleet/inventory";
import { Prisma } from "@/lib/generated/prisma/client";
import {
  TemplateInputSchema,
  type TemplateInput,
  type TemplateSpec,
  type TemplateView,
} from "@/lib/contracts/provisioning";

/**
 * VM templates in PostgreSQL: name, description and default host as columns, the rest (hardware,
 * source, cloud-init) as one JSON spec validated with TemplateInputSchema on the way in and out.
 */

const TemplateIdSchema = z.uuid();

type Row = Prisma.VmTemplateGetPayload<object>;

function toView(r: Row): TemplateView {
  const spec = (r.spec ?? {}) as Record<string, unknown>;
  const parsed = TemplateInputSchema.safeParse({
    ...spec,
    name: r.name,
    description: r.description,
    defaultHostId: r.defaultHostId,
  });
  if (!parsed.success) {
    // A stored spec no longer valid (schema evolved): still list it, with safe defaults.
    console.error(`template ${r.id} has an invalid spec`, parsed.error.issues[0]);
  }
  const v = parsed.success
    ? parsed.data
    : TemplateInputSchema.parse({
        name: r.name,
        description: r.description,
        vcpus: 1,
        memoryMiB: 512,
        maxMemoryMiB: 512,
        defaultHostId: r.defaultHostId,
      });
  return {
    ...v,
    id: r.id,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    createdBy: r.createdByName,
  };
}

function specOf(input: TemplateInput): TemplateSpec {
  const { name: _n, description: _d, defaultHostId: _h, ...spec } = input;
  return spec;
}

async function findRow(id: string): Promise<Row> {
  const parsed = TemplateIdSchema.safeParse(id);
  if (!parsed.success) throw new AppError("not_found", "Template not found");
  const row = await db().vmTemplate.findUnique({ where: { id: parsed.data } });
  if (!row) throw new AppError("not_found", "Template not found");
  return row;
}

function uniqueName<T>(name: string, p: Promise<T>): Promise<T> {
  return conflictOnUnique(p, `A template named "${name}" already exists`, [
    { path: "name", message: "This name is taken" },
  ]);
}

async function hostMustExist(hostId: string | null): Promise<void> {
  if (!hostId) return;
  const host = await db().host.findUnique({ where: { id: hostId }, select: { id: true } });
  if (!host)
    throw new AppError("invalid_input", "The default host does not exist", {
      issues: [{ path: "defaultHostId", message: "Unknown host" }],
    });
}

const audit = (
  caller: Caller,
  action: string,
  t: { id: string; name: string },
  details: Record<string, unknown> = {},
  outcome: "success" | "failure" = "success",
) =>
  auditRecord({
    actor: caller.actor,
    action,
    outcome,
    target: { type: "template", id: t.id, name: t.name },
    ip: caller.ip,
    details,
  });

/**
 * May `principal` create, change or delete a template record bound to `hostId`? A record with a
 * host (defaultHostId) needs template.manage at that host (or globally); a record with none is
 * offered on every host and needs template.manage globally. 403 (404 for a host the caller may
 * not see) otherwise.
 */
export async function templateManageAuthorize(
  principal: Principal,
  hostId: string | null,
  request?: DeniedRequest,
): Promise<void> {
  await authorizeOrThrow(principal, "template.manage", hostId ? { hostId } : undefined, request);
}

export async function templatesList(): Promise<TemplateView[]> {
  return (await db().vmTemplate.findMany({ orderBy: { name: "asc" } })).map(toView);
}

export async function templateGet(id: string): Promise<TemplateView> {
  return toView(await findRow(id));
}

export async function templateCreate(caller: Caller, input: TemplateInput): Promise<TemplateView> {
  await hostMustExist(input.defaultHostId);
  const row = await uniqueName(
    input.name,
    db().vmTemplate.create({
      data: {
        name: input.name,
        description: input.description,
        defaultHostId: input.defaultHostId,
        spec: specOf(input) as unknown as Prisma.InputJsonValue,
        createdById: caller.principal.user.id,
        createdByName: caller.principal.user.username,
      },
    }),
  );
  await audit(caller, "template.create", row, { source: input.source.kind });
  return toView(row);
}

export async function templateUpdate(caller: Caller, id: string, input: TemplateInput): Promise<TemplateView> {
  const before = await findRow(id);
  await hostMustExist(input.defaultHostId);
  const row = await uniqueName(
    input.name,
    db().vmTemplate.update({
      where: { id: before.id },
      data: {
        name: input.name,
        description: input.description,
        defaultHostId: input.defaultHostId,
        spec: specOf(input) as unknown as Prisma.InputJsonValue,
      },
    }),
  );
  await audit(caller, "template.update", row, before.name !== row.name ? { renamedFrom: before.name } : {});
  return toView(row);
}

/** A copy named "<name> (copy)", "<name> (copy 2)", ... */
export async function templateDuplicate(caller: Caller, id: string): Promise<TemplateView> {
  const src = await findRow(id);
  const names = new Set(
    (
      await db().vmTemplate.findMany({ where: { name: { startsWith: src.name.slice(0, 50) } }, select: { name: true } })
    ).map((r) => r.name),
  );
  let name = "";
  for (let i = 1; ; i++) {
    name = `${src.name.slice(0, 50)} (copy${i > 1 ? ` ${i}` : ""})`;
    if (!names.has(name)) break;
  }
  const row = await uniqueName(
    name,
    db().vmTemplate.create({
      data: {
        name,
        description: src.description,
        defaultHostId: src.defaultHostId,
        spec: src.spec as Prisma.InputJsonValue,
        createdById: caller.principal.user.id,
        createdByName: caller.principal.user.username,
      },
    }),
  );
  await audit(caller, "template.duplicate", row, { from: src.id, fromName: src.name });
  return toView(row);
}

/**
 * VMs marked as this template (a VM turned into a template), read fresh from every host that can
 * be reached (deletes are rare; a stale cache could miss a conversion made a moment ago).
 * `unread` lists the hosts that could not be read.
 */
async function templateMarkedVms(
  id: string,
): Promise<{ vms: { host: string; name: string }[]; unread: { id: string; name: string }[] }> {
  const hosts = await db().host.findMany({ select: { id: true, name: true }, orderBy: { name: "asc" } });
  const vms: { host: string; name: string }[] = [];
  const unread: { id: string; name: string }[] = [];
  await Promise.all(
    hosts.map(async (h) => {
      try {
        const inv = await inventoryGet(h.id, { maxAgeMs: 0 });
        for (const vm of inv.vms) {
          if (vm.template && inventoryDomain(h.id, vm.uuid)?.wire.templateId === id)
            vms.push({ host: h.name, name: vm.name });
        }
      } catch {
        unread.push(h);
      }
    }),
  );
  return { vms, unread };
}

/**
 * Deletes a template record. Refused (409) while a VM is still marked as this template: that VM
 * never starts again and linked clones read its disk, so without the record it could be neither
 * deployed nor told apart. The template's own host must be readable for that check (a VM turned
 * into a template lives there); other unreachable hosts are skipped. `unchecked` is only for
 * undoing a conversion whose mark was never written.
 */
export async function templateDelete(caller: Caller, id: string, opts: { unchecked?: boolean } = {}): Promise<void> {
  const row = await findRow(id);
  if (!opts.unchecked) {
    const { vms, unread } = await templateMarkedVms(row.id);
    if (vms.length) {
      const list = vms.map((v) => `"${v.name}" on ${v.host}`).join(", ");
      await audit(caller, "template.delete", row, { reason: "in_use", vms: list }, "failure");
      throw new AppError(
        "conflict",
        `Template "${row.name}" cannot be deleted: VM ${list} is marked as this template (it never starts; linked clones read its disk). Unmark that VM (on its Hardware tab) or delete it first.`,
        {
          data: { vms },
        },
      );
    }
    const home = unread.find((h) => h.id === row.defaultHostId);
    if (home) {
      await audit(caller, "template.delete", row, { reason: "host_unreachable", host: home.name }, "failure");
      throw new AppError(
        "conflict",
        `Cannot check whether a VM on ${home.name} is still this template (the host cannot be reached); try again when it is back.`,
      );
    }
  }
  await db().vmTemplate.delete({ where: { id: row.id } });
  await audit(caller, "template.delete", row);
}
