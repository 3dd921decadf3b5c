import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Database, Tx } from '../db/database.ts';
import type { MailPort } from '../mail/mail.port.ts';
import { RateLimitedError } from '../security/rate-limit.errors.ts';
import type { BackoffPolicy, RateLimitCounters } from '../security/rate-limit.ts';
import type { StoreDirectory } from './stores.port.ts';
import { accountErrors } from './accounts.errors.ts';
import { AccountsRepository, isEmailTaken, type MembershipWithTenant, type Role, type UserRow } from './accounts.repository.ts';
import { AuditRepository, type AuditEntry } from './audit.repository.ts';
import { accountsStrings } from './i18n/strings.ts';
import { hashToken, isGlobalToken, newGlobalToken, newTenantToken, tenantOfToken } from './opaque-tokens.ts';
import { LoginUnlocks } from './login-unlock.ts';
import { generatePassword, hashPassword, verifyPassword } from './passwords.ts';
import { passwordProblems } from './password-policy.ts';
import { PasswordResetsRepository } from './password-resets.repository.ts';
import { SessionsRepository } from './sessions.repository.ts';
import { ACCESS_TOKEN_TTL_SECONDS, type AccessTokens } from './tokens.ts';

/** Sign-up, sign-in, sessions with rotating refresh tokens, passwords and the first start (issue #3). */

export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
/** A session ends after this long even if it keeps refreshing. */
export const SESSION_MAX_SECONDS = 90 * 24 * 3600;
export const PASSWORD_RESET_TTL_SECONDS = 3600;
export const PASSWORD_RESET_MAX_PER_HOUR = 3;

/** Failed sign-ins slow down per account and per IP: free attempts, then a doubling wait. */
export const LOGIN_ACCOUNT_POLICY: BackoffPolicy = { windowSeconds: 3600, freeAttempts: 5, baseDelaySeconds: 5, maxDelaySeconds: 900 };
export const LOGIN_IP_POLICY: BackoffPolicy = { windowSeconds: 3600, freeAttempts: 30, baseDelaySeconds: 5, maxDelaySeconds: 900 };

/** A real bcrypt-12 hash of a random string: unknown emails cost as much time as wrong passwords. */
const TIMING_DUMMY_HASH = '$2b$12$ZSn5k/KD21dRmB1cuCRN0eOgSnAs14mFcKvduBT4XnFqPzjqrV.gC';

export interface RequestMeta {
  ip?: string;
  userAgent?: string;
  /** The `concierge_device` cookie (a random id the browser got at its first sign-in), if any. */
  device?: string;
}

/** How long an address or device stays "known good" for an account after a successful sign-in. */
export const KNOWN_LOGIN_SECONDS = 90 * 24 * 3600;

export interface PublicUser {
  id: string;
  email: string;
  name: string | null;
  role: Role;
}

export interface SessionTokens {
  sessionId: string;
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresAt: Date;
}

export interface SignInResult extends SessionTokens {
  user: PublicUser;
  tenant: { id: string; name: string };
  tenants: { id: string; name: string; role: Role }[];
}

export interface FirstStartResult {
  tenantId: string;
  email: string;
  password: string;
  /** false when the password came from ADMIN_PASSWORD (then it is not printed). */
  generated: boolean;
}

export interface AccountsServiceDeps {
  db: Database;
  tenancy: StoreDirectory;
  accounts: AccountsRepository;
  tokens: AccessTokens;
  counters: RateLimitCounters;
  mail: MailPort;
  logger: Logger;
  /** Links in mails point here (the dashboard's pages under /admin). */
  publicUrl: string;
  now?: () => Date;
  loginPolicies?: { account: BackoffPolicy; ip: BackoffPolicy };
}

export const normalizeEmail = (email: string) => email.trim().toLowerCase();
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const publicUser = (user: UserRow, role: Role): PublicUser => ({ id: user.id, email: user.email, name: user.name, role });

export class AccountsService {
  readonly sessions = new SessionsRepository();
  readonly audit = new AuditRepository();
  private readonly resets = new PasswordResetsRepository();
  private readonly now: () => Date;
  private readonly pending = new Set<Promise<void>>();

  private readonly unlocks: LoginUnlocks;

  constructor(private readonly deps: AccountsServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    this.unlocks = new LoginUnlocks({ ...deps, now: this.now });
  }

  private get db() {
    return this.deps.db;
  }
  private get accounts() {
    return this.deps.accounts;
  }

  // ---------------------------------------------------------------- sign-up and sign-in

  /**
   * A new store and its owner, signed in; one transaction, so a taken email leaves no store behind.
   * A registered email is not revealed (issue 14): the answer is `{ pending: true }` (the route
   * answers 201 "check your email"), the hash is computed all the same, and the owner gets a mail.
   */
  async signup(input: { storeName: string; email: string; password: string; locale?: string; timeZone?: string }, meta: RequestMeta): Promise<SignInResult | { pending: true }> {
    const email = normalizeEmail(input.email);
    const passwordHash = await hashPassword(input.password);
    if (await this.accounts.findUserByEmail(email)) return this.signupExisting(email, meta);
    const tenantId = randomUUID();
    try {
      const result = await this.db.tenant(tenantId, async (trx): Promise<SignInResult> => {
        const tenant = await this.deps.tenancy.insertTenant(trx, { id: tenantId, name: input.storeName.trim(), timeZone: input.timeZone, locale: input.locale });
        const user = await this.accounts.insertUser(trx, { email, passwordHash, locale: input.locale });
        await this.accounts.insertMembership(trx, tenantId, user.id, 'owner');
        await this.audit.record(trx, tenantId, { action: 'account.signup', actor: { userId: user.id, email }, ip: meta.ip, subjectUserId: user.id, at: this.now() });
        const tokens = await this.openSession(trx, tenantId, user.id, 'owner', meta);
        return { ...tokens, user: publicUser(user, 'owner'), tenant: { id: tenant.id, name: tenant.name }, tenants: [{ id: tenant.id, name: tenant.name, role: 'owner' }] };
      });
      await this.rememberKnown(email, meta);
      return result;
    } catch (error) {
      if (isEmailTaken(error)) return this.signupExisting(email, meta);
      throw error;
    }
  }

  private signupExisting(email: string, _meta: RequestMeta): { pending: true } {
    this.background('signup-existing-mail', async () => {
      const user = await this.accounts.findUserByEmail(email);
      if (!user) return;
      // The reset-request limit doubles as this mail's limit: a signup loop cannot flood the owner.
      const counted = await this.deps.counters.hit(`signup:existing:${sha256(email)}`, 3600);
      if (counted.count > PASSWORD_RESET_MAX_PER_HOUR) return;
      const strings = accountsStrings(user.locale).signupExisting;
      await this.deps.mail.send({
        to: user.email,
        subject: strings.subject,
        text: strings.text({ signInLink: `${this.deps.publicUrl}/admin/login`, resetLink: `${this.deps.publicUrl}/admin/forgot-password` }),
      });
    });
    return { pending: true };
  }

  /** Counter keys that mark an address or a device as one this account signed in from. */
  private knownKeys(email: string, meta: RequestMeta): string[] {
    return [...(meta.ip ? [`login:known:${sha256(`${email}|ip:${meta.ip}`)}`] : []), ...(meta.device ? [`login:known:${sha256(`${email}|device:${meta.device}`)}`] : [])];
  }

  /** Remembers this address and device as good for the account (after a sign-in or the signup). */
  private async rememberKnown(email: string, meta: RequestMeta): Promise<void> {
    for (const key of this.knownKeys(email, meta)) await this.deps.counters.hit(key, KNOWN_LOGIN_SECONDS);
  }

  /**
   * Email + password. Failures slow down per IP and per account (counters in PostgreSQL); while
   * a wait is due the password is not even checked. The account's count is kept apart for each
   * address or device it signed in from before (issue 14): failures from an attacker's addresses
   * slow down every unknown address, but never the owner's usual address or browser.
   * A user of several stores gets the oldest membership unless `tenantId` picks one.
   */
  async login(input: { email: string; password: string; tenantId?: string }, meta: RequestMeta): Promise<SignInResult> {
    const email = normalizeEmail(input.email);
    const policies = this.deps.loginPolicies ?? { account: LOGIN_ACCOUNT_POLICY, ip: LOGIN_IP_POLICY };
    const counters = this.deps.counters;
    let known: string | undefined;
    for (const key of this.knownKeys(email, meta)) if (!known && (await counters.get(key))) known = key;
    // A known address or device has a count of its own; every other address shares the account's.
    const accountKey = known ? `login:account-known:${known.slice('login:known:'.length)}` : `login:account:${sha256(email)}`;
    const ipKey = meta.ip ? `login:ip:${meta.ip}` : undefined;

    const account = await counters.attempt(accountKey, policies.account);
    if (!account.allowed) {
      // The shared count of unknown addresses holds the owner back too: mail them a way back.
      if (!known) this.background('login-unlock-mail', () => this.unlocks.offer(email));
      throw new RateLimitedError('Too many failed sign-ins for this account; wait before trying again, or use the link we mailed to the account.', account.retryAfterSeconds);
    }
    if (ipKey) {
      const ip = await counters.attempt(ipKey, policies.ip);
      if (!ip.allowed) {
        await counters.decrement(accountKey);
        throw new RateLimitedError('Too many failed sign-ins from this address; wait before trying again.', ip.retryAfterSeconds);
      }
    }

    const { user, memberships } = await this.db.system(async (trx) => {
      const user = await this.accounts.userByEmail(trx, email);
      return { user, memberships: user ? await this.accounts.membershipsOfUser(trx, user.id) : [] };
    });
    const passwordOk = await verifyPassword(input.password, user?.password_hash ?? TIMING_DUMMY_HASH);
    const chosen = input.tenantId ? memberships.find((m) => m.tenantId === input.tenantId) : memberships[0];

    if (!user || !passwordOk) {
      const auditIn = chosen ?? memberships[0];
      if (user && auditIn) {
        await this.recordIn(auditIn.tenantId, { action: 'auth.login_failed', actor: { userId: user.id, email: user.email }, ip: meta.ip, subjectUserId: user.id, at: this.now() });
      }
      throw accountErrors.invalidCredentials();
    }

    await counters.reset(accountKey);
    if (ipKey) await counters.decrement(ipKey);
    await this.rememberKnown(email, meta);
    if (!chosen) throw accountErrors.notMember(input.tenantId ? 'You are not a member of this store.' : 'Your account is not a member of any store.');
    return this.signIn(user, chosen, memberships, meta);
  }

  /**
   * A mailed unlock link was opened (login-unlock.ts): the browser that opened it (`meta.device`)
   * counts as known for the account from now on, so its sign-ins no longer wait for the failures
   * of unknown addresses.
   */
  async unlockLogin(token: string, meta: RequestMeta): Promise<void> {
    const email = await this.unlocks.redeem(token);
    if (meta.device) await this.rememberKnown(email, { device: meta.device });
  }

  private async signIn(user: UserRow, chosen: MembershipWithTenant, memberships: MembershipWithTenant[], meta: RequestMeta): Promise<SignInResult> {
    const tokens = await this.db.tenant(chosen.tenantId, async (trx) => {
      await this.audit.record(trx, chosen.tenantId, { action: 'auth.login', actor: { userId: user.id, email: user.email }, ip: meta.ip, subjectUserId: user.id, at: this.now() });
      return this.openSession(trx, chosen.tenantId, user.id, chosen.role, meta);
    });
    return {
      ...tokens,
      user: publicUser(user, chosen.role),
      tenant: { id: chosen.tenantId, name: chosen.tenantName },
      tenants: memberships.map((m) => ({ id: m.tenantId, name: m.tenantName, role: m.role })),
    };
  }

  /** Inside the tenant's transaction: a session row, its first refresh token, and an access token naming it. */
  async openSession(trx: Tx, tenantId: string, userId: string, role: Role, meta: RequestMeta): Promise<SessionTokens> {
    const now = this.now();
    const session = await this.sessions.createSession(trx, {
      tenantId,
      userId,
      expiresAt: new Date(now.getTime() + SESSION_MAX_SECONDS * 1000),
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
    const refreshToken = newTenantToken('crt', tenantId);
    const refreshExpiresAt = new Date(Math.min(now.getTime() + REFRESH_TOKEN_TTL_SECONDS * 1000, session.expires_at.getTime()));
    await this.sessions.addRefreshToken(trx, { tenantId, sessionId: session.id, tokenHash: hashToken(refreshToken), createdAt: now, expiresAt: refreshExpiresAt });
    return {
      sessionId: session.id,
      accessToken: this.deps.tokens.sign({ sub: userId, tid: tenantId, role, sid: session.id }),
      expiresIn: ACCESS_TOKEN_TTL_SECONDS,
      refreshToken,
      refreshExpiresAt,
    };
  }

  /** A session for an existing member without a password (first start, test helpers). */
  issueSession(tenantId: string, userId: string, meta: RequestMeta = {}): Promise<SessionTokens> {
    return this.db.tenant(tenantId, async (trx) => {
      const membership = await this.accounts.membership(trx, tenantId, userId);
      if (!membership) throw accountErrors.notMember();
      return this.openSession(trx, tenantId, userId, membership.role, meta);
    });
  }

  /**
   * Rotation: each refresh token works once and is replaced. Presenting a used one again means it
   * leaked (or was raced): the whole session (token family) is revoked.
   */
  async refresh(refreshToken: string, meta: RequestMeta): Promise<SessionTokens & { tenantId: string; userId: string; role: Role }> {
    const tenantId = tenantOfToken('crt', refreshToken);
    if (!tenantId) throw accountErrors.invalidRefreshToken();
    const now = this.now();
    const outcome = await this.db.tenant(tenantId, async (trx) => {
      const row = await this.sessions.refreshTokenForUpdate(trx, tenantId, hashToken(refreshToken));
      if (!row) return { ok: false as const };
      const session = await this.sessions.session(trx, tenantId, row.session_id);
      if (!session || session.revoked_at || session.expires_at <= now) return { ok: false as const };
      if (row.used_at) {
        await this.sessions.revokeSession(trx, tenantId, session.id, 'refresh_token_reused', now);
        await this.audit.record(trx, tenantId, { action: 'auth.refresh_reused', actor: { userId: session.user_id }, ip: meta.ip, subjectUserId: session.user_id, details: { sessionId: session.id }, at: now });
        return { ok: false as const };
      }
      if (row.expires_at <= now) return { ok: false as const };
      const role = await this.sessions.liveSessionRole(trx, tenantId, session.id, session.user_id, now);
      if (!role) return { ok: false as const };
      await this.sessions.markRefreshTokenUsed(trx, tenantId, row.id, now);
      const next = newTenantToken('crt', tenantId);
      const refreshExpiresAt = new Date(Math.min(now.getTime() + REFRESH_TOKEN_TTL_SECONDS * 1000, session.expires_at.getTime()));
      await this.sessions.addRefreshToken(trx, { tenantId, sessionId: session.id, tokenHash: hashToken(next), createdAt: now, expiresAt: refreshExpiresAt });
      return { ok: true as const, userId: session.user_id, role: role as Role, sessionId: session.id, refreshToken: next, refreshExpiresAt };
    });
    if (!outcome.ok) throw accountErrors.invalidRefreshToken();
    return {
      tenantId,
      userId: outcome.userId,
      role: outcome.role,
      sessionId: outcome.sessionId,
      accessToken: this.deps.tokens.sign({ sub: outcome.userId, tid: tenantId, role: outcome.role, sid: outcome.sessionId }),
      expiresIn: ACCESS_TOKEN_TTL_SECONDS,
      refreshToken: outcome.refreshToken,
      refreshExpiresAt: outcome.refreshExpiresAt,
    };
  }

  /** The session a refresh token belongs to (logout with only a refresh token at hand). */
  async sessionOfRefreshToken(refreshToken: string): Promise<{ tenantId: string; sessionId: string; userId: string } | undefined> {
    const tenantId = tenantOfToken('crt', refreshToken);
    if (!tenantId) return undefined;
    return this.db.tenant(tenantId, async (trx) => {
      const row = await trx('refresh_tokens as r')
        .join('sessions as s', function () {
          this.on('s.tenant_id', '=', 'r.tenant_id').andOn('s.id', '=', 'r.session_id');
        })
        .where({ 'r.tenant_id': tenantId, 'r.token_hash': hashToken(refreshToken) })
        .first('s.id as sessionId', 's.user_id as userId');
      return row ? { tenantId, sessionId: row.sessionId as string, userId: row.userId as string } : undefined;
    });
  }

  async logout(tenantId: string, sessionId: string, userId: string, meta: RequestMeta): Promise<void> {
    await this.db.tenant(tenantId, async (trx) => {
      if (await this.sessions.revokeSession(trx, tenantId, sessionId, 'logout', this.now())) {
        await this.audit.record(trx, tenantId, { action: 'auth.logout', actor: { userId }, ip: meta.ip, subjectUserId: userId, details: { sessionId }, at: this.now() });
      }
    });
  }

  /** What the authenticator checks per request: the session is live and its user still a member (current role). */
  async sessionRole(tenantId: string, sessionId: string, userId: string): Promise<Role | undefined> {
    return (await this.liveSession(tenantId, sessionId, userId))?.role;
  }

  /** The live session's role and expiry (what the session cache keeps), or undefined. */
  liveSession(tenantId: string, sessionId: string, userId: string): Promise<{ role: Role; expiresAt: Date } | undefined> {
    return this.db.tenant(tenantId, (trx) => this.sessions.liveSession(trx, tenantId, sessionId, userId, this.now())) as Promise<{ role: Role; expiresAt: Date } | undefined>;
  }

  // ---------------------------------------------------------------- passwords

  /**
   * Always answers the same, at once: the lookup and the mail run after the answer, so neither the
   * status nor the timing tells whether the address exists. At most 3 mails per user and hour.
   */
  requestPasswordReset(email: string, meta: RequestMeta): void {
    this.background('password reset', () => this.sendPasswordReset(normalizeEmail(email), meta));
  }

  private async sendPasswordReset(email: string, _meta: RequestMeta): Promise<void> {
    const now = this.now();
    const plan = await this.db.system(async (trx) => {
      const user = await this.accounts.userByEmail(trx, email);
      if (!user) return undefined;
      // One reset request per user at a time, across instances: the count below stays exact.
      await this.accounts.lockUser(trx, user.id);
      const recent = await this.resets.countSince(trx, user.id, new Date(now.getTime() - 3600_000));
      if (recent >= PASSWORD_RESET_MAX_PER_HOUR) return { user, token: undefined };
      const token = newGlobalToken('cpr');
      await this.resets.insert(trx, { userId: user.id, tokenHash: hashToken(token), at: now, expiresAt: new Date(now.getTime() + PASSWORD_RESET_TTL_SECONDS * 1000) });
      return { user, token };
    });
    if (!plan) return;
    if (!plan.token) {
      this.deps.logger.info({ userId: plan.user.id }, 'password reset not sent: hourly limit reached');
      return;
    }
    const strings = accountsStrings(plan.user.locale).passwordReset;
    const link = `${this.deps.publicUrl}/admin/reset-password#token=${plan.token}`;
    await this.deps.mail.send({ to: plan.user.email, subject: strings.subject, text: strings.text({ link, validMinutes: PASSWORD_RESET_TTL_SECONDS / 60 }) });
    this.deps.logger.info({ userId: plan.user.id }, 'password reset mail sent');
  }

  /** Sets the new password; every session of the user, in every store, ends (their start predates the change). */
  async confirmPasswordReset(token: string, password: string, meta: RequestMeta): Promise<void> {
    const invalid = () => accountErrors.invalidToken('password reset');
    if (!isGlobalToken('cpr', token)) throw invalid();
    const tokenHash = hashToken(token);
    const usable = (row: { used_at: Date | null; expires_at: Date } | undefined, now: Date) => row && !row.used_at && row.expires_at > now;
    // Check before the expensive hash, then again under the lock.
    const early = await this.db.system((trx) => trx('password_reset_tokens').where({ token_hash: tokenHash }).first('used_at', 'expires_at'));
    if (!usable(early, this.now())) throw invalid();
    const passwordHash = await hashPassword(password);
    const now = this.now();
    const done = await this.db.system(async (trx) => {
      const row = await this.resets.byHashForUpdate(trx, tokenHash);
      if (!row || !usable(row, now)) return undefined;
      await this.accounts.setPassword(trx, row.user_id, passwordHash);
      await this.resets.spendAll(trx, row.user_id, now);
      const user = (await this.accounts.userById(trx, row.user_id))!;
      return { user, memberships: await this.accounts.membershipsOfUser(trx, row.user_id) };
    });
    if (!done) throw invalid();
    await this.endAllSessions(done.user.id, done.memberships, 'password_reset', now);
    for (const m of done.memberships) {
      await this.recordIn(m.tenantId, { action: 'auth.password_reset', actor: { userId: done.user.id, email: done.user.email }, ip: meta.ip, subjectUserId: done.user.id, at: now });
    }
  }

  /** Changing the password ends every session, this one included; the caller gets a fresh session. */
  async changePassword(tenantId: string, userId: string, currentPassword: string, newPassword: string, meta: RequestMeta): Promise<SessionTokens> {
    const user = await this.db.system((trx) => this.accounts.userById(trx, userId));
    if (!user || !(await verifyPassword(currentPassword, user.password_hash))) throw accountErrors.wrongPassword('body.currentPassword');
    const passwordHash = await hashPassword(newPassword);
    const now = this.now();
    const memberships = await this.db.system(async (trx) => {
      await this.accounts.setPassword(trx, userId, passwordHash);
      return this.accounts.membershipsOfUser(trx, userId);
    });
    await this.endAllSessions(userId, memberships, 'password_changed', now);
    for (const m of memberships) {
      await this.recordIn(m.tenantId, { action: 'auth.password_changed', actor: { userId, email: user.email }, ip: meta.ip, subjectUserId: userId, at: now });
    }
    return this.issueSession(tenantId, userId, meta);
  }

  /**
   * Marks the sessions revoked for the record. Safety does not depend on this loop finishing:
   * a session that started before the password changed is dead anyway (sessions.repository).
   */
  private async endAllSessions(userId: string, memberships: MembershipWithTenant[], reason: string, at: Date): Promise<void> {
    for (const m of memberships) {
      await this.db.tenant(m.tenantId, (trx) => this.sessions.revokeUserSessions(trx, m.tenantId, userId, reason, at));
    }
  }

  // ---------------------------------------------------------------- deleting a store

  /**
   * Deletes the store and everything it owns (every tenant table cascades from `tenants`). The
   * owner confirms with their password. People keep their accounts while they belong to another
   * store; an account left without any store is deleted with it.
   */
  async deleteTenant(tenantId: string, userId: string, password: string): Promise<void> {
    const user = await this.db.system((trx) => this.accounts.userById(trx, userId));
    if (!user || !(await verifyPassword(password, user.password_hash))) throw accountErrors.wrongPassword('body.password');
    const memberIds = await this.db.tenant(tenantId, async (trx) => {
      const members = (await this.accounts.listMembers(trx, tenantId)).map((m) => m.userId);
      try {
        await this.deps.tenancy.deleteTenantIn(trx, tenantId);
      } catch (error) {
        if ((error as { code?: string }).code === '23503') throw accountErrors.conflict('Some records of this store cannot be deleted yet; nothing was deleted.');
        throw error;
      }
      return members;
    });
    await this.db.system(async (trx) => {
      for (const id of memberIds) {
        if ((await this.accounts.membershipsOfUser(trx, id)).length === 0) await trx('users').where({ id }).delete();
      }
    });
    this.deps.logger.info({ tenantId }, 'store deleted by its owner');
  }

  // ---------------------------------------------------------------- first start

  /**
   * With no user at all, creates "My Store" and its owner from ADMIN_EMAIL/ADMIN_PASSWORD, or
   * with a generated password. An advisory lock keeps two instances starting together from both doing it.
   */
  async ensureFirstOwner(admin: { email: string | undefined; password: string | undefined }): Promise<FirstStartResult | undefined> {
    if ((await this.accounts.countUsers()) > 0) return undefined;
    if (admin.password) {
      const broken = passwordProblems(admin.password);
      if (broken.length > 0) throw new Error(`ADMIN_PASSWORD does not meet the password policy: it ${broken.join('; it ')}`);
    }
    const email = normalizeEmail(admin.email ?? 'owner@my-store.example');
    const password = admin.password ?? generatePassword();
    const passwordHash = await hashPassword(password);
    const tenantId = randomUUID();
    return this.db.tenant(tenantId, async (trx) => {
      await trx.raw(`SELECT pg_advisory_xact_lock(hashtext('concierge:first-owner'))`);
      const [row] = await trx('users').count<{ count: number }[]>('* as count');
      if (Number(row?.count ?? 0) > 0) return undefined;
      await this.deps.tenancy.insertTenant(trx, { id: tenantId, name: 'My Store' });
      const user = await this.accounts.insertUser(trx, { email, passwordHash, name: 'Owner' });
      await this.accounts.insertMembership(trx, tenantId, user.id, 'owner');
      await this.audit.record(trx, tenantId, { action: 'account.signup', actor: { email: 'system' }, subjectUserId: user.id, details: { firstStart: true }, at: this.now() });
      return { tenantId, email, password, generated: !admin.password };
    });
  }

  /** The caller's profile and store (GET /api/v1/me). */
  async me(tenantId: string, userId: string | null, role: Role): Promise<{ user: PublicUser | null; tenant: { id: string; name: string; timeZone: string; locale: string } }> {
    // One statement in one round trip (users is readable by the app role): the signed-in hot path.
    const { me } = await this.db.tenantBatch(tenantId, () => ({ me: this.accounts.meQuery(tenantId, userId) }));
    const row = me[0];
    if (!row) throw accountErrors.notFound('This store no longer exists.');
    return {
      user: row.user_id ? { id: row.user_id, email: row.email!, name: row.user_name, role } : null,
      tenant: { id: row.tenant_id, name: row.tenant_name, timeZone: row.time_zone, locale: row.locale },
    };
  }

  listAudit(tenantId: string, options: Parameters<AuditRepository['page']>[2]) {
    return this.db.tenant(tenantId, (trx) => this.audit.page(trx, tenantId, options));
  }

  // ---------------------------------------------------------------- plumbing

  /** An audit entry in its own unit of work (for events that happen outside a tenant transaction). */
  recordIn(tenantId: string, entry: AuditEntry): Promise<void> {
    return this.db.tenant(tenantId, (trx) => this.audit.record(trx, tenantId, entry));
  }

  private background(name: string, work: () => Promise<void>): void {
    const task = work()
      .catch((error: unknown) => this.deps.logger.error({ err: error, task: name }, 'background task failed'))
      .finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  /** Resolves when the work started after answering (reset mails) is done; shutdown waits for it. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
