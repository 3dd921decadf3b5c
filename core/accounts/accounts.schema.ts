import { z } from 'zod';
import { isIanaTimeZone } from '../wire/time-zone.ts';
import { AUDIT_ACTIONS } from './audit.repository.ts';
import { NewPasswordSchema } from './password-policy.ts';
import { TIME_ZONE_DOC } from '../wire/documented.ts';

/** Wire shapes of the accounts API (design.md §10): auth, me, team, API keys, audit log. */


export const EmailSchema = z.email('must be an email address').max(254).meta({ example: 'owner@my-store.example' });
export const TimeZoneSchema = z.string().min(1).max(64).refine(isIanaTimeZone, 'must be an IANA time zone such as "Europe/Berlin"').meta({ ...TIME_ZONE_DOC, example: 'Europe/Berlin' });
export const LocaleSchema = z
  .string()
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 language tag such as "de" or "en-GB"')
  .meta({ example: 'en' });
export const RoleSchema = z.enum(['owner', 'admin', 'agent']).meta({ id: 'Role' });
const IsoTime = z.iso.datetime({ offset: true });
/** Where the session lives: tokens in the answer (API clients) or HttpOnly cookies (the dashboard). */
const SessionModeSchema = z
  .enum(['bearer', 'cookie'])
  .optional()
  .meta({ description: '`bearer` (default): tokens in the answer. `cookie`: HttpOnly cookies plus a CSRF token; the answer carries no tokens.' });

export const UserSchema = z
  .object({ id: z.uuid(), email: z.string(), name: z.string().nullable(), role: RoleSchema })
  .meta({ id: 'User' });
export const TenantRefSchema = z.object({ id: z.uuid(), name: z.string() }).meta({ id: 'TenantRef' });

export const SignupRequestSchema = z
  .object({
    storeName: z.string().trim().min(1, 'must not be empty').max(120),
    email: EmailSchema,
    password: NewPasswordSchema,
    locale: LocaleSchema.optional(),
    timeZone: TimeZoneSchema.optional(),
    mode: SessionModeSchema,
  })
  .meta({ id: 'SignupRequest' });

export const LoginRequestSchema = z
  .object({
    email: EmailSchema,
    password: z.string().min(1, 'must not be empty').max(1024).meta({ example: 'Correct-Horse-7-Battery' }),
    tenantId: z.uuid().optional().meta({ description: 'For people in several stores; default: the oldest membership.' }),
    mode: SessionModeSchema,
  })
  .meta({ id: 'LoginRequest' });

const tokenFields = {
  tokenType: z.literal('Bearer').optional(),
  accessToken: z.string().optional().meta({ description: 'HS256 JWT, valid `expiresIn` seconds. Absent in cookie mode.' }),
  refreshToken: z.string().optional().meta({ description: 'Opaque, single use: each refresh returns a new one. Absent in cookie mode.' }),
  expiresIn: z.number().int(),
  refreshExpiresAt: IsoTime,
  csrfToken: z.string().optional().meta({ description: 'Cookie mode: send it back as `X-CSRF-Token` on POST/PATCH/PUT/DELETE.' }),
};

export const SignInResponseSchema = z
  .object({
    ...tokenFields,
    user: UserSchema,
    tenant: TenantRefSchema,
    tenants: z.array(z.object({ id: z.uuid(), name: z.string(), role: RoleSchema })),
  })
  .meta({ id: 'SignInResponse' });

/** Signup with an address that has an account: nothing is created, the owner gets a mail (issue 14). */
export const SignupPendingResponseSchema = z
  .object({
    status: z.literal('check-your-email'),
    detail: z.string(),
  })
  .meta({ id: 'SignupPendingResponse' });

export const SignupResponseSchema = z.union([SignInResponseSchema, SignupPendingResponseSchema]);

export const TokenResponseSchema = z.object(tokenFields).meta({ id: 'TokenResponse' });

export const RefreshRequestSchema = z
  .object({
    refreshToken: z.string().min(1).max(200).optional().meta({ description: 'Omit in cookie mode (the refresh cookie is used).' }),
  })
  .meta({ id: 'RefreshRequest' });

export const PasswordResetRequestSchema = z.object({ email: EmailSchema }).meta({ id: 'PasswordResetRequest' });
export const PasswordResetConfirmSchema = z
  .object({ token: z.string().min(1).max(200), password: NewPasswordSchema })
  .meta({ id: 'PasswordResetConfirm' });
export const ChangePasswordSchema = z
  .object({ currentPassword: z.string().min(1).max(1024), newPassword: NewPasswordSchema })
  .meta({ id: 'ChangePasswordRequest' });

export const DeleteTenantSchema = z
  .object({ password: z.string().min(1).max(1024).meta({ description: "The owner's current password, to confirm." }) })
  .meta({ id: 'DeleteTenantRequest' });

/** The token of a mailed unlock link (core/accounts/login-unlock.ts). */
export const LoginUnlockSchema = z.object({ token: z.string().min(1).max(200) }).meta({ id: 'LoginUnlockRequest' });

export const InviteTokenSchema = z.object({ token: z.string().min(1).max(200) }).meta({ id: 'InviteTokenRequest' });
export const InvitePreviewSchema = z
  .object({ tenant: TenantRefSchema, email: z.string(), role: RoleSchema, expiresAt: IsoTime, existingUser: z.boolean() })
  .meta({ id: 'InvitePreview' });
export const AcceptInviteSchema = z
  .object({
    token: z.string().min(1).max(200),
    password: z.string().min(1).max(1024).meta({ description: 'A new password (policy applies), or the current one for an existing account.' }),
    name: z.string().trim().min(1).max(120).optional(),
    mode: SessionModeSchema,
  })
  .meta({ id: 'AcceptInviteRequest' });

export const MeSchema = z
  .object({
    user: UserSchema.nullable().meta({ description: 'null for an API key' }),
    tenant: z.object({ id: z.uuid(), name: z.string(), timeZone: z.string(), locale: z.string() }),
    role: RoleSchema,
    via: z.enum(['access-token', 'session-cookie', 'api-key', 'platform-session']),
  })
  .meta({ id: 'Me' });

export const MemberSchema = z
  .object({ userId: z.uuid(), email: z.string(), name: z.string().nullable(), role: RoleSchema, joinedAt: IsoTime })
  .meta({ id: 'Member' });
export const MemberListSchema = z.object({ items: z.array(MemberSchema), nextCursor: z.string().nullable() }).meta({ id: 'MemberList' });
export const UserIdParamsSchema = z.object({ userId: z.uuid() });
export const IdParamsSchema = z.object({ id: z.uuid() });
export const RoleChangeSchema = z.object({ role: RoleSchema }).meta({ id: 'RoleChange' });

export const InviteCreateSchema = z
  .object({ email: EmailSchema, role: RoleSchema.meta({ example: 'agent' }), locale: LocaleSchema.optional() })
  .meta({ id: 'InviteCreate', example: { email: 'new.agent@my-store.example', role: 'agent' } });
export const InviteSchema = z
  .object({ id: z.uuid(), email: z.string(), role: RoleSchema, createdAt: IsoTime, expiresAt: IsoTime, status: z.enum(['pending', 'expired']) })
  .meta({ id: 'Invite' });
export const InviteListSchema = z.object({ items: z.array(InviteSchema), nextCursor: z.string().nullable() }).meta({ id: 'InviteList' });

export const ApiKeyRoleSchema = z.enum(['admin', 'agent']);
export const ApiKeyCreateSchema = z
  .object({ name: z.string().trim().min(1, 'must not be empty').max(120).meta({ example: 'ERP sync' }), role: ApiKeyRoleSchema.default('admin') })
  .meta({ id: 'ApiKeyCreate' });
export const ApiKeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    role: ApiKeyRoleSchema,
    hint: z.string(),
    createdAt: IsoTime,
    lastUsedAt: IsoTime.nullable(),
    revokedAt: IsoTime.nullable(),
  })
  .meta({ id: 'ApiKey' });
export const ApiKeyCreatedSchema = ApiKeySchema.extend({
  key: z.string().meta({ description: 'Shown only now; send as `Authorization: Bearer <key>`.' }),
}).meta({ id: 'ApiKeyCreated' });
export const ApiKeyListSchema = z.object({ items: z.array(ApiKeySchema), nextCursor: z.string().nullable() }).meta({ id: 'ApiKeyList' });

export const AuditActionSchema = z.enum(AUDIT_ACTIONS).meta({ id: 'AuditAction' });
export const AuditQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
  action: AuditActionSchema.optional(),
});
export const AuditEntrySchema = z
  .object({
    id: z.uuid(),
    at: IsoTime,
    action: AuditActionSchema,
    actor: z.object({ userId: z.uuid().nullable(), apiKeyId: z.uuid().nullable(), email: z.string().nullable() }),
    ip: z.string().nullable(),
    subjectUserId: z.uuid().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEntry' });
export const AuditPageSchema = z.object({ items: z.array(AuditEntrySchema), nextCursor: z.string().nullable() }).meta({ id: 'AuditPage' });
