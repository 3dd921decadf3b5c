import { z } from 'zod';
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import type { HttpModule } from '../http/app.ts';
import { html } from '../http/html.ts';
import { mapErrors, problems } from '../http/problem.ts';
import { decodeKeyset, encodeKeyset } from '../kernel/cursor.ts';
import { defineRoute, reply } from '../http/route.ts';
import type { ProblemTable } from '../kernel/domain-error.ts';
import type { RateLimitCounters } from '../security/rate-limit.ts';
import { AccountError, accountErrors, type AccountErrorCode } from './accounts.errors.ts';
import {
  AcceptInviteSchema,
  ApiKeyCreatedSchema,
  ApiKeyCreateSchema,
  ApiKeyListSchema,
  ApiKeySchema,
  AuditPageSchema,
  AuditQuerySchema,
  ChangePasswordSchema,
  DeleteTenantSchema,
  IdParamsSchema,
  InviteCreateSchema,
  InviteListSchema,
  InvitePreviewSchema,
  InviteSchema,
  InviteTokenSchema,
  LoginRequestSchema,
  LoginUnlockSchema,
  MemberListSchema,
  MemberSchema,
  MeSchema,
  PasswordResetConfirmSchema,
  PasswordResetRequestSchema,
  RefreshRequestSchema,
  RoleChangeSchema,
  SignInResponseSchema,
  SignupResponseSchema,
  SignupRequestSchema,
  TokenResponseSchema,
  UserIdParamsSchema,
} from './accounts.schema.ts';
import type { AccountsService, RequestMeta, SessionTokens, SignInResult } from './accounts.service.ts';
import type { ApiKeysService } from './api-keys.service.ts';
import { LOGIN_UNLOCK_PATH } from './login-unlock.ts';
import { authOf, type AuthContext } from './auth-context.ts';
import type { AccountsAuthenticator } from './authenticator.ts';
import { COOKIE_NAMES, readCookies, type SessionCookies } from './cookies.ts';
import type { Actor, TeamService } from './team.service.ts';

export interface AccountsHttpDeps {
  service: AccountsService;
  team: TeamService;
  apiKeys: ApiKeysService;
  auth: AccountsAuthenticator;
  cookies: SessionCookies;
  counters: RateLimitCounters;
}

const bearer = { 'WWW-Authenticate': 'Bearer' };

/**
 * The accounts module's answers, one per code; registered once on the module. The app's error
 * handler knows it too, because the authenticator (this module's) guards every module's routes.
 */
export const ACCOUNT_PROBLEMS: ProblemTable<AccountErrorCode> = {
  UNAUTHENTICATED: { status: 401, slug: 'unauthorized', title: 'Unauthorized', headers: bearer },
  INVALID_CREDENTIALS: { status: 401, slug: 'invalid-credentials', title: 'Invalid credentials', headers: bearer },
  INVALID_REFRESH_TOKEN: { status: 401, slug: 'invalid-refresh-token', title: 'Invalid refresh token', headers: bearer },
  INVALID_TOKEN: { status: 400, slug: 'invalid-token', title: 'Invalid or expired link' },
  FORBIDDEN: { status: 403, slug: 'forbidden', title: 'Forbidden' },
  CSRF: { status: 403, slug: 'csrf', title: 'CSRF check failed' },
  NOT_MEMBER: { status: 403, slug: 'not-a-member', title: 'Not a member' },
  NOT_FOUND: { status: 404, slug: 'not-found', title: 'Not found' },
  EMAIL_TAKEN: { status: 409, slug: 'email-taken', title: 'Email already registered' },
  ALREADY_MEMBER: { status: 409, slug: 'already-member', title: 'Already a member' },
  LAST_OWNER: { status: 409, slug: 'last-owner', title: 'Last owner' },
  CONFLICT: { status: 409, slug: 'conflict', title: 'Conflict' },
  INVALID: { status: 422, slug: 'validation', title: 'Validation failed' },
  MAIL_FAILED: { status: 503, slug: 'mail-failed', title: 'Mail could not be sent' },
};
export const accountErrorMapping = mapErrors(AccountError, ACCOUNT_PROBLEMS);

const DEVICE_COOKIE = 'concierge_device';
const DEVICE_ID = /^[A-Za-z0-9_-]{43}$/;
const meta = (req: Request): RequestMeta => {
  const device = readCookies(req)[DEVICE_COOKIE];
  return {
    ip: req.ip,
    userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : undefined,
    ...(device && DEVICE_ID.test(device) ? { device } : {}),
  };
};

/**
 * The browser's device id (issue 14): a random HttpOnly cookie, only sent to the auth routes. After
 * a successful sign-in the account counts this browser as known, so failures an attacker causes
 * elsewhere never slow its owner down here.
 */
function withDevice(req: Request, res: Response): RequestMeta {
  const m = meta(req);
  if (m.device) return m;
  const device = randomBytes(32).toString('base64url');
  res.cookie(DEVICE_COOKIE, device, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/api/v1/auth', maxAge: 365 * 24 * 3600 * 1000 });
  return { ...m, device };
}
const actorOf = (req: Request): Actor => {
  const auth = authOf(req);
  return { tenantId: auth.tenantId, userId: auth.userId, apiKeyId: auth.apiKeyId ?? null, ip: req.ip };
};
const list = <T>(items: T[]) => ({ items, nextCursor: null });
const security = ['bearer'];
const problem = { description: 'Problem details' };

const unlockPage = (title: string, body: ReturnType<typeof html>) =>
  html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`.toString();

export function accountsHttpModule(deps: AccountsHttpDeps): HttpModule {
  const { service, team, apiKeys, auth, cookies, counters } = deps;

  /** Tokens in the body (API clients) or in HttpOnly cookies plus a CSRF token (dashboard). */
  const tokenBody = (req: Request, res: Response, session: SessionTokens, mode: 'bearer' | 'cookie' | undefined) => {
    if (mode === 'cookie') {
      const csrfToken = cookies.set(req, res, session);
      return { expiresIn: session.expiresIn, refreshExpiresAt: session.refreshExpiresAt.toISOString(), csrfToken };
    }
    return {
      tokenType: 'Bearer' as const,
      accessToken: session.accessToken,
      refreshToken: session.refreshToken,
      expiresIn: session.expiresIn,
      refreshExpiresAt: session.refreshExpiresAt.toISOString(),
    };
  };
  const signInBody = (req: Request, res: Response, result: SignInResult, mode: 'bearer' | 'cookie' | undefined) => ({
    ...tokenBody(req, res, result, mode),
    user: result.user,
    tenant: result.tenant,
    tenants: result.tenants,
  });

  const perIp = (name: string, limit: number) => counters.limit({ name, windowSeconds: 3600, limit, keyOf: (req) => req.ip });

  const authRoutes = [
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/signup',
      summary: 'Create a store and its owner, signed in',
      tags: ['auth'],
      body: SignupRequestSchema,
      before: [perIp('signup:ip', 20)],
      description:
        'A new address gets its store and a signed-in session. An address that has an account gets `{ status: "check-your-email" }` and a mail to that address; the answer never says whether an address is registered.',
      responses: { 201: { description: 'Store and owner created (signed in), or a mail was sent to the address', schema: SignupResponseSchema } },
      handler: async ({ body, req, res }) => {
        const result = await service.signup(body, withDevice(req, res));
        if ('pending' in result) {
          return reply(201, { status: 'check-your-email', detail: 'Check your email: we sent a message to this address explaining how to continue.' });
        }
        return reply(201, signInBody(req, res, result, body.mode));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/login',
      summary: 'Sign in with email and password',
      description: 'Failed attempts slow down per account and per IP (429 with Retry-After).',
      tags: ['auth'],
      body: LoginRequestSchema,
      responses: { 200: { description: 'Signed in', schema: SignInResponseSchema }, 401: { ...problem, description: 'Wrong email or password' }, 429: { ...problem, description: 'Too many failures' } },
      handler: async ({ body, req, res }) => signInBody(req, res, await service.login(body, withDevice(req, res)), body.mode),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/refresh',
      summary: 'Trade a refresh token for new tokens (rotation; a reused token ends the session)',
      description: 'API clients send `refreshToken`; the dashboard sends `{}` with its refresh cookie and the `X-CSRF-Token` header.',
      tags: ['auth'],
      body: RefreshRequestSchema,
      responses: { 200: { description: 'New tokens', schema: TokenResponseSchema }, 401: { ...problem, description: 'Unknown, used, expired or revoked' } },
      handler: async ({ body, req, res }) => {
        const fromCookie = !body.refreshToken;
        const token = body.refreshToken ?? readCookies(req)[COOKIE_NAMES.refresh];
        if (!token) throw accountErrors.invalidRefreshToken();
        if (fromCookie) {
          const owner = await service.sessionOfRefreshToken(token);
          if (owner && !cookies.csrfValid(req, owner.sessionId)) throw accountErrors.csrf();
        }
        const session = await service.refresh(token, meta(req));
        return tokenBody(req, res, session, fromCookie ? 'cookie' : 'bearer');
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/logout',
      summary: 'End this session',
      description:
        'Ends the session of the access token or session cookie (cookie: with `X-CSRF-Token`), or of `{ "refreshToken": "..." }` in the body when the access token has expired. The body is optional.',
      tags: ['auth'],
      security,
      responses: { 204: { description: 'Signed out' }, 401: problem },
      handler: async ({ req, res }) => {
        const parsed = RefreshRequestSchema.safeParse(req.body ?? {});
        if (!parsed.success) throw problems.validation(parsed.error.issues.map((i) => ({ path: ['body', ...i.path.map(String)].join('.'), message: i.message })));
        const bodyToken = parsed.data.refreshToken;
        let session: { tenantId: string; sessionId: string; userId: string } | undefined;
        const hasCredentials = Boolean(req.headers.authorization) || Boolean(readCookies(req)[COOKIE_NAMES.access]);
        if (hasCredentials && !bodyToken) {
          const caller: AuthContext = await auth.identify(req);
          if (!caller.sessionId || !caller.userId) {
            throw problems.badRequest(
              caller.via === 'platform-session'
                ? "A Shopify session token has no session here to end; sign out happens in the Shopify admin."
                : 'An API key has no session to end; revoke the key instead.',
            );
          }
          session = { tenantId: caller.tenantId, sessionId: caller.sessionId, userId: caller.userId };
        } else {
          const token = bodyToken ?? readCookies(req)[COOKIE_NAMES.refresh];
          session = token ? await service.sessionOfRefreshToken(token) : undefined;
          if (session && !bodyToken && !cookies.csrfValid(req, session.sessionId)) throw accountErrors.csrf();
          if (!session) {
            cookies.clear(req, res);
            throw accountErrors.invalidRefreshToken();
          }
        }
        await service.logout(session.tenantId, session.sessionId, session.userId, meta(req));
        cookies.clear(req, res);
        return reply(204);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/password-reset',
      summary: 'Mail a password-reset link (answers 202 whether or not the email exists)',
      description: 'At most 3 mails per account and hour; further requests still answer 202 and send nothing.',
      tags: ['auth'],
      body: PasswordResetRequestSchema,
      before: [perIp('password-reset:ip', 30)],
      responses: { 202: { description: 'Accepted' } },
      handler: ({ body, req }) => {
        service.requestPasswordReset(body.email, meta(req));
        return reply(202);
      },
    }),
    defineRoute({
      method: 'get',
      path: LOGIN_UNLOCK_PATH,
      summary: 'The page of a mailed unlock link: a button that unlocks sign-ins in this browser',
      description: 'Opening the page changes nothing (mail scanners open links too); its button posts the token.',
      tags: ['auth'],
      query: LoginUnlockSchema,
      responses: { 200: { description: 'An HTML page', schema: z.string(), contentType: 'text/html' } },
      handler: ({ query, res }) => {
        res.type('html').send(
          unlockPage(
            'Unlock sign-in',
            html`<p>Sign in from this browser without waiting for the failed attempts on your account.</p>
              <form method="post" action="${LOGIN_UNLOCK_PATH}"><input type="hidden" name="token" value="${query.token}" /><button type="submit">Unlock sign-in in this browser</button></form>`,
          ),
        );
      },
    }),
    defineRoute({
      method: 'post',
      path: LOGIN_UNLOCK_PATH,
      summary: 'Spend a mailed unlock link: this browser signs in without waiting for failures from unknown addresses',
      description:
        'Failures from addresses an account never signed in from share one count; when it holds sign-ins back, the account gets a mail with a one-time link (30 minutes). Spending it makes this browser (the `concierge_device` cookie, set here if missing) known for the account. A form post answers with an HTML page.',
      tags: ['auth'],
      body: LoginUnlockSchema,
      before: [perIp('login-unlock:ip', 30)],
      responses: {
        200: { description: 'Unlocked (a form post): an HTML page', schema: z.string(), contentType: 'text/html' },
        204: { description: 'Unlocked for this browser' },
        400: { ...problem, description: 'Invalid, used or expired link' },
      },
      handler: async ({ body, req, res }) => {
        await service.unlockLogin(body.token, withDevice(req, res));
        if (!req.is('application/x-www-form-urlencoded')) return reply(204);
        res.type('html').send(unlockPage('Sign-in unlocked', html`<p>This browser can sign in again without waiting.</p><p><a href="/admin/login">Sign in</a></p>`));
        return undefined;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/password-reset/confirm',
      summary: 'Set a new password with the link token; signs out every session',
      tags: ['auth'],
      body: PasswordResetConfirmSchema,
      responses: { 204: { description: 'Password changed' }, 400: { ...problem, description: 'Invalid, used or expired token' } },
      handler: async ({ body, req }) => {
        await service.confirmPasswordReset(body.token, body.password, meta(req));
        return reply(204);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/invites/preview',
      summary: 'What an invitation link offers (store, email, role)',
      tags: ['auth'],
      body: InviteTokenSchema,
      responses: { 200: { description: 'The invitation', schema: InvitePreviewSchema }, 400: { ...problem, description: 'Invalid or expired' } },
      handler: async ({ body }) => {
        const preview = await team.previewInvite(body.token);
        return { ...preview, expiresAt: preview.expiresAt.toISOString() };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/invites/accept',
      summary: 'Accept an invitation and sign in',
      tags: ['auth'],
      body: AcceptInviteSchema,
      responses: { 200: { description: 'Member now, signed in', schema: SignInResponseSchema }, 400: { ...problem, description: 'Invalid or expired' } },
      handler: async ({ body, req, res }) => signInBody(req, res, await team.acceptInvite(body, meta(req)), body.mode),
    }),
  ];

  const meRoutes = [
    defineRoute({
      method: 'get',
      path: '/api/v1/me',
      summary: 'The caller and their store',
      tags: ['me'],
      security,
      before: [auth.require('account:self')],
      responses: { 200: { description: 'Me', schema: MeSchema } },
      handler: async ({ req }) => {
        const caller = authOf(req);
        return { ...(await service.me(caller.tenantId, caller.userId, caller.role)), role: caller.role, via: caller.via };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/me/password',
      summary: 'Change my password; every session ends and this caller gets a new one',
      tags: ['me'],
      security,
      body: ChangePasswordSchema,
      before: [auth.require('account:self')],
      responses: { 200: { description: 'New tokens for this caller', schema: TokenResponseSchema } },
      handler: async ({ body, req, res }) => {
        const caller = authOf(req);
        if (!caller.userId) throw accountErrors.userOnly();
        if (caller.via === 'platform-session') throw accountErrors.platformSessionDenied();
        const session = await service.changePassword(caller.tenantId, caller.userId, body.currentPassword, body.newPassword, meta(req));
        return tokenBody(req, res, session, caller.via === 'session-cookie' ? 'cookie' : 'bearer');
      },
    }),
  ];

  const tenantRoutes = [
    defineRoute({
      method: 'delete',
      path: '/api/v1/tenant',
      summary: 'Delete this store and all its data (owner; confirm with your password)',
      tags: ['me'],
      security,
      body: DeleteTenantSchema,
      before: [auth.require('tenant:delete')],
      responses: { 204: { description: 'Deleted' }, 409: { ...problem, description: 'Could not delete' } },
      handler: async ({ body, req, res }) => {
        const caller = authOf(req);
        await service.deleteTenant(caller.tenantId, caller.userId!, body.password);
        cookies.clear(req, res);
        return reply(204);
      },
    }),
  ];

  const memberBody = (m: { userId: string; email: string; name: string | null; role: string; joinedAt: Date }) => ({ ...m, joinedAt: new Date(m.joinedAt).toISOString() });
  const inviteBody = (i: { createdAt: Date; expiresAt: Date }) => ({ ...i, createdAt: i.createdAt.toISOString(), expiresAt: i.expiresAt.toISOString() });
  const teamRoutes = [
    defineRoute({
      method: 'get',
      path: '/api/v1/team/members',
      summary: 'Members of this store',
      tags: ['team'],
      security,
      before: [auth.require('team:read')],
      responses: { 200: { description: 'Members', schema: MemberListSchema } },
      handler: async ({ req }) => list((await team.listMembers(authOf(req).tenantId)).map(memberBody)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/team/members/:userId',
      summary: 'One member',
      tags: ['team'],
      security,
      params: UserIdParamsSchema,
      before: [auth.require('team:read')],
      responses: { 200: { description: 'Member', schema: MemberSchema }, 404: problem },
      handler: async ({ params, req }) => memberBody(await team.getMember(authOf(req).tenantId, params.userId)),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/team/members/:userId',
      summary: "Change a member's role (the last owner cannot be demoted)",
      tags: ['team'],
      security,
      params: UserIdParamsSchema,
      body: RoleChangeSchema,
      before: [auth.require('team:manage')],
      responses: { 200: { description: 'Member', schema: MemberSchema }, 404: problem, 409: { ...problem, description: 'Last owner' } },
      handler: async ({ params, body, req }) => memberBody(await team.changeRole(actorOf(req), params.userId, body.role)),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/team/members/:userId',
      summary: 'Remove a member (the last owner cannot be removed)',
      tags: ['team'],
      security,
      params: UserIdParamsSchema,
      before: [auth.require('team:manage')],
      responses: { 204: { description: 'Removed' }, 404: problem, 409: { ...problem, description: 'Last owner' } },
      handler: async ({ params, req }) => {
        await team.removeMember(actorOf(req), params.userId);
        return reply(204);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/team/invites',
      summary: 'Invite someone by email (the link expires after 7 days)',
      tags: ['team'],
      security,
      body: InviteCreateSchema,
      before: [auth.require('team:manage')],
      responses: { 201: { description: 'Invited', schema: InviteSchema }, 409: { ...problem, description: 'Already a member' }, 503: { ...problem, description: 'Mail refused' } },
      handler: async ({ body, req }) => reply(201, inviteBody(await team.invite(actorOf(req), body))),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/team/invites',
      summary: 'Open invitations',
      tags: ['team'],
      security,
      before: [auth.require('team:manage')],
      responses: { 200: { description: 'Invitations', schema: InviteListSchema } },
      handler: async ({ req }) => list((await team.listInvites(authOf(req).tenantId)).map(inviteBody)),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/team/invites/:id',
      summary: 'Withdraw an invitation',
      tags: ['team'],
      security,
      params: IdParamsSchema,
      before: [auth.require('team:manage')],
      responses: { 204: { description: 'Withdrawn' }, 404: problem },
      handler: async ({ params, req }) => {
        await team.revokeInvite(actorOf(req), params.id);
        return reply(204);
      },
    }),
  ];

  const keyBody = <T extends { createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null }>(k: T) => ({
    ...k,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
  });
  const apiKeyRoutes = [
    defineRoute({
      method: 'post',
      path: '/api/v1/api-keys',
      summary: 'Create an API key (the key is shown only in this answer)',
      tags: ['api-keys'],
      security,
      body: ApiKeyCreateSchema,
      before: [auth.require('api-keys:manage')],
      responses: { 201: { description: 'Created', schema: ApiKeyCreatedSchema } },
      handler: async ({ body, req }) => reply(201, keyBody(await apiKeys.create(actorOf(req), body))),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/api-keys',
      summary: 'API keys of this store (never the keys themselves)',
      tags: ['api-keys'],
      security,
      before: [auth.require('api-keys:manage')],
      responses: { 200: { description: 'Keys', schema: ApiKeyListSchema } },
      handler: async ({ req }) => list((await apiKeys.list(authOf(req).tenantId)).map(keyBody)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/api-keys/:id',
      summary: 'One API key',
      tags: ['api-keys'],
      security,
      params: IdParamsSchema,
      before: [auth.require('api-keys:manage')],
      responses: { 200: { description: 'Key', schema: ApiKeySchema }, 404: problem },
      handler: async ({ params, req }) => keyBody(await apiKeys.get(authOf(req).tenantId, params.id)),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/api-keys/:id',
      summary: 'Revoke an API key',
      tags: ['api-keys'],
      security,
      params: IdParamsSchema,
      before: [auth.require('api-keys:manage')],
      responses: { 204: { description: 'Revoked' }, 404: problem },
      handler: async ({ params, req }) => {
        await apiKeys.revoke(actorOf(req), params.id);
        return reply(204);
      },
    }),
  ];

  const auditRoutes = [
    defineRoute({
      method: 'get',
      path: '/api/v1/audit-log',
      summary: 'Audit log of this store, newest first',
      tags: ['audit'],
      security,
      query: AuditQuerySchema,
      before: [auth.require('audit:read')],
      responses: { 200: { description: 'A page of entries', schema: AuditPageSchema } },
      handler: async ({ query, req }) => {
        const tenantId = authOf(req).tenantId;
        const after = decodeKeyset('audit-log', query.cursor);
        const rows = await service.listAudit(tenantId, { limit: query.limit + 1, after, action: query.action });
        const page = rows.slice(0, query.limit);
        const last = page.at(-1);
        return {
          items: page.map((r) => ({
            id: r.id,
            at: r.at.toISOString(),
            action: r.action,
            actor: { userId: r.actor_user_id, apiKeyId: r.actor_api_key_id, email: r.actor_email },
            ip: r.ip,
            subjectUserId: r.subject_user_id,
            details: r.details,
          })),
          nextCursor: rows.length > query.limit && last ? encodeKeyset('audit-log', last.at, last.id) : null,
        };
      },
    }),
  ];

  return { name: 'accounts', errors: [accountErrorMapping], routes: [...authRoutes, ...meRoutes, ...tenantRoutes, ...teamRoutes, ...apiKeyRoutes, ...auditRoutes] };
}
