import { z } from "zod";
import { PRIVILEGE_LIST as PRIVILEGES } from "@/lib/contracts/access";
import { IsoDateSchema } from "@/lib/contracts/api/common";

/** Answers of sign-in, the account page, API tokens and the security policy. */

const RoleSchema = z.enum(["admin", "operator", "helpdesk"]);

export const SessionUserSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: RoleSchema,
});
export const MeResponseSchema = z.object({ user: SessionUserSchema, csrfToken: z.string(), expiresAt: IsoDateSchema });

const SignedInUserSchema = z.object({ id: z.string(), username: z.string(), role: z.string() });
/** POST /api/auth/login: signed in, or a second step (the challenge travels in a cookie). */
export const LoginResponseSchema = z.discriminatedUnion("step", [
  z.object({ step: z.literal("done"), user: SignedInUserSchema, csrfToken: z.string() }),
  z.object({ step: z.enum(["totp", "enrol"]) }),
]);
export const SignedInResponseSchema = z.object({
  step: z.literal("done"),
  user: SignedInUserSchema,
  csrfToken: z.string(),
});
export const EnrolConfirmedResponseSchema = SignedInResponseSchema.extend({ recoveryCodes: z.array(z.string()) });
export const SetupResponseSchema = z.object({ user: SignedInUserSchema, csrfToken: z.string() });

export const TotpEnrolmentSchema = z.object({
  secret: z.string(),
  secretDisplay: z.string(),
  uri: z.string(),
  qrDataUrl: z.string(),
});
export const EnrolmentResponseSchema = z.object({ enrolment: TotpEnrolmentSchema });
export const TotpStatusResponseSchema = z.object({
  totp: z.object({ enabled: z.boolean(), pending: z.boolean(), recoveryCodesLeft: z.number(), required: z.boolean() }),
});
export const RecoveryCodesResponseSchema = z.object({ recoveryCodes: z.array(z.string()) });

export const SecurityPolicySchema = z.object({
  totpRequiredRoles: z.array(z.string()),
  apiTokenMaxDays: z.number(),
  shareLinkMaxHours: z.number(),
  updatedAt: IsoDateSchema.nullable(),
});
export const SecurityPolicyResponseSchema = z.object({ policy: SecurityPolicySchema });

export const LocaleResponseSchema = z.object({ locale: z.string() });

export const ApiTokenViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  privileges: z.array(z.enum(PRIVILEGES)),
  createdAt: IsoDateSchema,
  expiresAt: IsoDateSchema,
  lastUsedAt: IsoDateSchema.nullable(),
  lastUsedIp: z.string(),
  revokedAt: IsoDateSchema.nullable(),
  status: z.enum(["active", "expired", "revoked"]),
  owner: z.object({ id: z.string(), username: z.string() }),
});
/** Query of GET /api/tokens: `all=1` lists everyone's tokens (user.manage). */
export const TokenListQuerySchema = z.object({
  all: z
    .string()
    .max(8)
    .optional()
    .meta({ description: "1: everyone's tokens (user.manage); anything else: the caller's" }),
});
export const TokenListResponseSchema = z.object({
  tokens: z.array(ApiTokenViewSchema),
  grantable: z.array(z.enum(PRIVILEGES)),
  maxDays: z.number(),
});
export const TokenCreatedResponseSchema = z.object({ token: z.string(), apiToken: ApiTokenViewSchema });
export const TokenResponseSchema = z.object({ apiToken: ApiTokenViewSchema });
