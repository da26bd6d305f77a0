import "server-only";
import type { Caller } from "@/lib/authz/caller";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import ssh2 from "ssh2";
import { db } from "@/lib/db/client";
import { conflictOnUnique } from "@/lib/db/errors";
import { AppError } from "@/lib/http/errors";
import { auditBy } from "@/lib/audit/audit";
import { secretOpen, secretSeal } from "@/lib/crypto/secret-box";
import { LibvirtUriSchema } from "@/lib/contracts/libvirt";
import { typedNameSchema } from "@/lib/contracts/text";
import { Prisma } from "@/lib/generated/prisma/client";
import type { HostView } from "@/lib/contracts/fleet";

/**
 * Host records: where a host is, how to log in, and which host key is pinned.
 * Private keys are sealed at rest and never leave the server.
 */
// ssh2 is CommonJS: named imports fail under Node's ESM loader (custom server).
const sshUtils = ssh2.utils;

export const HostNameSchema = typedNameSchema();

/** DNS name, IPv4 or IPv6 literal; never something ssh could read as an option. */
export const HostAddressSchema = z
  .string({ error: "Address must be text" })
  .trim()
  .min(1, "Address is required")
  .max(253, "Address is too long")
  .refine((s) => !s.startsWith("-"), "Address must not start with '-'")
  .refine((s) => /^[A-Za-z0-9.:_%-]+$/.test(s), "Address must be a host name or an IP address");

export const SshUserSchema = z
  .string({ error: "SSH user must be text" })
  .trim()
  .min(1, "SSH user is required")
  .max(32, "SSH user must be at most 32 characters")
  .refine((s) => !s.startsWith("-"), "SSH user must not start with '-'")
  .refine((s) => /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(s), "SSH user may contain only letters, digits, '_', '.' and '-'");

export const SshPortSchema = z.coerce
  .number({ error: "Port must be a number" })
  .int("Port must be a whole number")
  .min(1, "Port must be between 1 and 65535")
  .max(65535, "Port must be between 1 and 65535");

const PrivateKeySchema = z
  .string({ error: "Private key must be text" })
  .max(16 * 1024, "Private key is too large")
  .superRefine((s, ctx) => {
    const parsed = sshUtils.parseKey(s);
    if (parsed instanceof Error) {
      ctx.addIssue({
        code: "custom",
        message: /encrypted|passphrase/i.test(parsed.message)
          ? "Encrypted private keys are not supported: paste a key without a passphrase"
          : "Not a valid SSH private key",
      });
    } else if (Array.isArray(parsed) || parsed.isPrivateKey?.() === false) {
      ctx.addIssue({ code: "custom", message: "Not a valid SSH private key" });
    }
  });

export const HostCreateSchema = z.object({
  name: HostNameSchema,
  address: HostAddressSchema,
  port: SshPortSchema.default(22),
  username: SshUserSchema,
  libvirtUri: LibvirtUriSchema.default("qemu:///system"),
  domainType: z.enum(["auto", "kvm", "qemu"]).default("auto"),
  key: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("generate") }),
    z.object({ kind: z.literal("paste"), privateKey: PrivateKeySchema }),
  ]),
});

export const HostUpdateSchema = z
  .object({
    name: HostNameSchema.optional(),
    address: HostAddressSchema.optional(),
    port: SshPortSchema.optional(),
    username: SshUserSchema.optional(),
    libvirtUri: LibvirtUriSchema.optional(),
    domainType: z.enum(["auto", "kvm", "qemu"]).optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, "Nothing to change");

export const FingerprintSchema = z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, "Not an SSH SHA256 fingerprint");

export const HostIdSchema = z.uuid({ error: "Unknown host" });

export type { HostView } from "@/lib/contracts/fleet";

/** What a connection needs; includes the opened private key: server only. */
export interface HostConnectInfo extends Pick<
  HostView,
  "id" | "name" | "address" | "port" | "username" | "libvirtUri" | "hostKeySha256" | "status" | "domainType"
> {
  privateKey: string;
}

const VIEW = {
  id: true,
  name: true,
  address: true,
  port: true,
  username: true,
  libvirtUri: true,
  publicKey: true,
  hostKeySha256: true,
  presentedHostKeySha256: true,
  status: true,
  statusMessage: true,
  lastSeenAt: true,
  domainType: true,
  maintenanceSince: true,
  createdAt: true,
} as const;

type Row = Prisma.HostGetPayload<{ select: typeof VIEW }>;

function toView(r: Row): HostView {
  return {
    ...r,
    lastSeenAt: r.lastSeenAt?.toISOString() ?? null,
    maintenanceSince: r.maintenanceSince?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
  };
}

const aad = (id: string) => `host:${id}`;

async function findRow(id: string): Promise<Row> {
  const parsed = HostIdSchema.safeParse(id);
  if (!parsed.success) throw new AppError("not_found", "Host not found");
  const row = await db().host.findUnique({ where: { id: parsed.data }, select: VIEW });
  if (!row) throw new AppError("not_found", "Host not found");
  return row;
}

function uniqueName<T>(name: string, p: Promise<T>): Promise<T> {
  return conflictOnUnique(p, `A host named "${name}" already exists`);
}

/** Hosts by name; `only` restricts the query to those ids (what a caller may see, lib/authz visibility). */
export async function hostsList(only?: "all" | ReadonlySet<string>): Promise<HostView[]> {
  const where = only && only !== "all" ? { id: { in: [...only] } } : {};
  return (await db().host.findMany({ where, select: VIEW, orderBy: { name: "asc" } })).map(toView);
}

export async function hostGet(id: string): Promise<HostView> {
  return toView(await findRow(id));
}

export async function hostCreate(caller: Caller, input: z.infer<typeof HostCreateSchema>): Promise<HostView> {
  const id = randomUUID();
  let privateKey: string;
  let publicKey: string;
  if (input.key.kind === "generate") {
    const pair = sshUtils.generateKeyPairSync("ed25519", { comment: `virtdeck@${input.name.replace(/\s+/g, "-")}` });
    privateKey = pair.private;
    publicKey = pair.public;
  } else {
    privateKey = input.key.privateKey;
    const parsed = sshUtils.parseKey(privateKey);
    if (parsed instanceof Error || Array.isArray(parsed))
      throw new AppError("invalid_input", "Not a valid SSH private key");
    publicKey = `${parsed.type} ${parsed.getPublicSSH().toString("base64")} virtdeck`;
  }
  const row = await uniqueName(
    input.name,
    db().$transaction(async (tx) => {
      const created = await tx.host.create({
        data: {
          id,
          name: input.name,
          address: input.address,
          port: input.port,
          username: input.username,
          libvirtUri: input.libvirtUri,
          domainType: input.domainType,
          privateKeySealed: await secretSeal(privateKey, aad(id)),
          publicKey,
        },
        select: VIEW,
      });
      await auditBy(
        caller,
        {
          action: "host.create",
          target: { type: "host", id, name: created.name },
          details: {
            address: created.address,
            port: created.port,
            username: created.username,
            libvirtUri: created.libvirtUri,
            key: input.key.kind,
          },
        },
        tx,
      );
      return created;
    }),
  );
  return toView(row);
}

/** The fields that say which machine a host record reaches, and how: changing one is changing the machine. */
export const HOST_ENDPOINT_FIELDS = ["address", "port", "username", "libvirtUri"] as const;
export type HostEndpointField = (typeof HOST_ENDPOINT_FIELDS)[number];

/** The endpoint fields `input` would change on `host`, with their old and new values. */
export function hostEndpointChanges(
  host: Pick<HostView, HostEndpointField>,
  input: Partial<Pick<HostView, HostEndpointField>>,
): Partial<Record<HostEndpointField, { from: string | number; to: string | number }>> {
  const out: Partial<Record<HostEndpointField, { from: string | number; to: string | number }>> = {};
  for (const f of HOST_ENDPOINT_FIELDS) {
    const to = input[f];
    if (to !== undefined && to !== host[f]) out[f] = { from: host[f], to };
  }
  return out;
}

/**
 * Updates a host record. The caller has checked the privilege: host.manage on the host for the
 * name and domain type, globally for the endpoint fields (see hostEndpointChanges). Any endpoint
 * change drops the pinned key: whatever answers there now must be confirmed again.
 */
export async function hostUpdate(
  caller: Caller,
  id: string,
  input: z.infer<typeof HostUpdateSchema>,
): Promise<HostView> {
  const before = await findRow(id);
  const changes = hostEndpointChanges(before, input);
  const moved = Object.keys(changes).length > 0;
  const row = await uniqueName(
    input.name ?? before.name,
    db().$transaction(async (tx) => {
      const after = await tx.host.update({
        where: { id: before.id },
        data: {
          ...input,
          ...(moved
            ? { hostKeySha256: null, presentedHostKeySha256: null, status: "unverified", statusMessage: "" }
            : {}),
        },
        select: VIEW,
      });
      await auditBy(
        caller,
        {
          action: "host.update",
          target: { type: "host", id: after.id, name: after.name },
          details: {
            fields: Object.keys(input),
            ...(input.name !== undefined && input.name !== before.name
              ? { name: { from: before.name, to: after.name } }
              : {}),
            ...changes,
            keyReset: moved,
            ...(moved ? { previousHostKey: before.hostKeySha256 } : {}),
          },
        },
        tx,
      );
      return after;
    }),
  );
  return toView(row);
}

export async function hostDelete(caller: Caller, id: string): Promise<void> {
  const row = await findRow(id);
  await db().$transaction(async (tx) => {
    await tx.host.delete({ where: { id: row.id } });
    await auditBy(caller, { action: "host.delete", target: { type: "host", id: row.id, name: row.name } }, tx);
  });
}

/**
 * Pins the host key the operator saw. It must be the fingerprint the host last
 * presented to virtdeck, so a stale or mistyped value cannot be pinned.
 */
export async function hostKeyConfirm(caller: Caller, id: string, fingerprint: string): Promise<HostView> {
  const row = await findRow(id);
  if (!row.presentedHostKeySha256 || row.presentedHostKeySha256 !== fingerprint) {
    throw new AppError(
      "conflict",
      "This fingerprint is not the one the host presented: test the connection again and compare",
    );
  }
  const after = await db().$transaction(async (tx) => {
    const updated = await tx.host.update({
      where: { id: row.id },
      data: { hostKeySha256: fingerprint, status: "offline", statusMessage: "Host key confirmed; connecting" },
      select: VIEW,
    });
    await auditBy(
      caller,
      {
        action: row.hostKeySha256 ? "host.key_replace" : "host.key_pin",
        target: { type: "host", id: row.id, name: row.name },
        details: { previous: row.hostKeySha256, pinned: fingerprint },
      },
      tx,
    );
    return updated;
  });
  return toView(after);
}

/** Connection details including the opened private key (server only; never serialise). */
export async function hostConnectInfo(id: string): Promise<HostConnectInfo> {
  const parsed = HostIdSchema.safeParse(id);
  if (!parsed.success) throw new AppError("not_found", "Host not found");
  const row = await db().host.findUnique({
    where: { id: parsed.data },
    select: { ...VIEW, privateKeySealed: true },
  });
  if (!row) throw new AppError("not_found", "Host not found");
  return {
    id: row.id,
    name: row.name,
    address: row.address,
    port: row.port,
    username: row.username,
    libvirtUri: row.libvirtUri,
    privateKey: await secretOpen(row.privateKeySealed, aad(row.id)),
    hostKeySha256: row.hostKeySha256,
    status: row.status,
    domainType: row.domainType,
  };
}
