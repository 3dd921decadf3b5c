import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import type { MailPort } from '../mail/mail.port.ts';
import type { StoreDirectory } from './stores.port.ts';
import { accountErrors } from './accounts.errors.ts';
import type { AccountsRepository, MemberView, Role } from './accounts.repository.ts';
import { isEmailTaken } from './accounts.repository.ts';
import { normalizeEmail, type AccountsService, type RequestMeta, type SignInResult } from './accounts.service.ts';
import { AuditRepository } from './audit.repository.ts';
import { accountsStrings } from './i18n/strings.ts';
import { InvitesRepository, type InviteRow } from './invites.repository.ts';
import { hashToken, newTenantToken, tenantOfToken } from './opaque-tokens.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { passwordProblems } from './password-policy.ts';

/** Team: members, invites by mail with expiring links, roles; a store never loses its last owner. */

export const INVITE_TTL_DAYS = 7;

export interface Actor {
  tenantId: string;
  userId: string | null;
  apiKeyId?: string | null;
  ip?: string;
}

export interface InviteView {
  id: string;
  email: string;
  role: Role;
  createdAt: Date;
  expiresAt: Date;
  status: 'pending' | 'expired';
}

export interface TeamServiceDeps {
  db: Database;
  accounts: AccountsRepository;
  tenancy: StoreDirectory;
  service: AccountsService;
  mail: MailPort;
  logger: Logger;
  publicUrl: string;
  now?: () => Date;
}

export class TeamService {
  private readonly invites = new InvitesRepository();
  private readonly audit = new AuditRepository();
  private readonly now: () => Date;

  constructor(private readonly deps: TeamServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  private view(row: InviteRow): InviteView {
    return { id: row.id, email: row.email, role: row.role, createdAt: row.created_at, expiresAt: row.expires_at, status: row.expires_at > this.now() ? 'pending' : 'expired' };
  }

  listMembers(tenantId: string): Promise<MemberView[]> {
    return this.deps.db.tenant(tenantId, (trx) => this.deps.accounts.listMembers(trx, tenantId));
  }

  async getMember(tenantId: string, userId: string): Promise<MemberView> {
    const member = await this.deps.db.tenant(tenantId, (trx) => this.deps.accounts.member(trx, tenantId, userId));
    if (!member) throw accountErrors.notFound('No such member in this store.');
    return member;
  }

  /**
   * Creates the invite and mails its link. If the mail server refuses, the invite is deleted and
   * the caller gets 503: an invite nobody received would only block a new one.
   */
  async invite(actor: Actor, input: { email: string; role: Role; locale?: string }): Promise<InviteView> {
    const email = normalizeEmail(input.email);
    const now = this.now();
    const token = newTenantToken('cin', actor.tenantId);
    const tenant = await this.deps.tenancy.getTenant(actor.tenantId);
    const created = this.deps.db.tenant(actor.tenantId, async (trx) => {
      const existing = await this.deps.accounts.userByEmail(trx, email);
      if (existing && (await this.deps.accounts.membership(trx, actor.tenantId, existing.id))) throw accountErrors.alreadyMember();
      const inviterUser = actor.userId ? await this.deps.accounts.userById(trx, actor.userId) : undefined;
      const locale = input.locale ?? tenant?.locale ?? 'en';
      const row = await this.invites.insert(trx, {
        tenantId: actor.tenantId,
        email,
        role: input.role,
        tokenHash: hashToken(token),
        locale,
        invitedBy: actor.userId,
        at: now,
        expiresAt: new Date(now.getTime() + INVITE_TTL_DAYS * 24 * 3600_000),
      });
      await this.audit.record(trx, actor.tenantId, {
        action: 'team.invite_created',
        actor: { userId: actor.userId, apiKeyId: actor.apiKeyId, email: inviterUser?.email },
        ip: actor.ip,
        details: { inviteId: row.id, email, role: input.role },
        at: now,
      });
      return { row, tenantName: tenant?.name ?? '', inviter: inviterUser?.name || inviterUser?.email || tenant?.name || 'Concierge', locale };
    });
    const { row, tenantName, inviter, locale } = await created.catch((error: unknown) => {
      // Two invitations to one address at the same moment: the open-invite index lets one through.
      const e = error as { code?: string; constraint?: string };
      if (e?.code === '23505' && e.constraint === 'invites_open_email') throw accountErrors.conflict('An invitation to this address was just created; try again.');
      throw error;
    });

    const strings = accountsStrings(locale);
    const link = `${this.deps.publicUrl}/admin/accept-invite#token=${token}`;
    try {
      await this.deps.mail.send({
        to: email,
        subject: strings.invite.subject({ storeName: tenantName }),
        text: strings.invite.text({ link, storeName: tenantName, inviter, role: strings.roles[input.role], validDays: INVITE_TTL_DAYS }),
        tenantId: actor.tenantId,
      });
    } catch (error) {
      this.deps.logger.warn({ err: error, tenantId: actor.tenantId, inviteId: row.id }, 'invite mail failed; invite withdrawn');
      await this.deps.db.tenant(actor.tenantId, (trx) => this.invites.delete(trx, actor.tenantId, row.id));
      throw accountErrors.mailFailed();
    }
    return this.view(row);
  }

  async listInvites(tenantId: string): Promise<InviteView[]> {
    const rows = await this.deps.db.tenant(tenantId, (trx) => this.invites.listOpen(trx, tenantId));
    return rows.map((row) => this.view(row));
  }

  async revokeInvite(actor: Actor, inviteId: string): Promise<void> {
    await this.deps.db.tenant(actor.tenantId, async (trx) => {
      const row = await this.invites.revoke(trx, actor.tenantId, inviteId, this.now());
      if (!row) throw accountErrors.notFound('No open invite with this id in this store.');
      await this.audit.record(trx, actor.tenantId, { action: 'team.invite_revoked', actor: { userId: actor.userId, apiKeyId: actor.apiKeyId }, ip: actor.ip, details: { inviteId, email: row.email }, at: this.now() });
    });
  }

  /** What the accept page shows before the person sets or enters a password. */
  async previewInvite(token: string): Promise<{ tenant: { id: string; name: string }; email: string; role: Role; expiresAt: Date; existingUser: boolean }> {
    const tenantId = tenantOfToken('cin', token);
    if (!tenantId) throw accountErrors.invalidToken('invitation');
    const tenant = await this.deps.tenancy.getTenant(tenantId);
    const found = await this.deps.db.tenant(tenantId, async (trx) => {
      const row = await trx<InviteRow>('invites').where({ tenant_id: tenantId, token_hash: hashToken(token) }).first();
      if (!row || row.accepted_at || row.revoked_at || row.expires_at <= this.now()) return undefined;
      const user = await this.deps.accounts.userByEmail(trx, row.email);
      return { tenant: { id: tenantId, name: tenant?.name ?? '' }, email: row.email, role: row.role, expiresAt: row.expires_at, existingUser: Boolean(user) };
    });
    if (!found) throw accountErrors.invalidToken('invitation');
    return found;
  }

  /**
   * Accepting makes the invited address a member and signs it in. A new person sets a password
   * (policy applies); someone with an account already proves it with their current password.
   */
  async acceptInvite(input: { token: string; password: string; name?: string }, meta: RequestMeta): Promise<SignInResult> {
    const tenantId = tenantOfToken('cin', input.token);
    const invalid = () => accountErrors.invalidToken('invitation');
    if (!tenantId) throw invalid();
    const tokenHash = hashToken(input.token);
    const db = this.deps.db;

    const peek = await db.tenant(tenantId, async (trx) => {
      const row = await trx<InviteRow>('invites').where({ tenant_id: tenantId, token_hash: tokenHash }).first();
      if (!row || row.accepted_at || row.revoked_at || row.expires_at <= this.now()) return undefined;
      return { row, user: await this.deps.accounts.userByEmail(trx, row.email) };
    });
    if (!peek) throw invalid();
    let passwordHash: string | undefined;
    if (peek.user) {
      if (!(await verifyPassword(input.password, peek.user.password_hash))) throw accountErrors.wrongPassword('body.password');
    } else {
      const broken = passwordProblems(input.password);
      if (broken.length > 0) throw accountErrors.invalid(broken.map((message) => ({ path: 'body.password', message })));
      passwordHash = await hashPassword(input.password);
    }

    const now = this.now();
    try {
      const result = await db.tenant(tenantId, async (trx) => {
        const row = await this.invites.byHashForUpdate(trx, tenantId, tokenHash);
        if (!row || row.accepted_at || row.revoked_at || row.expires_at <= now) return undefined;
        const user = peek.user ?? (await this.deps.accounts.insertUser(trx, { email: row.email, passwordHash: passwordHash!, name: input.name ?? null, locale: row.locale }));
        if (await this.deps.accounts.membership(trx, tenantId, user.id)) throw accountErrors.alreadyMember();
        await this.deps.accounts.insertMembership(trx, tenantId, user.id, row.role);
        await this.invites.markAccepted(trx, tenantId, row.id, now);
        await this.audit.record(trx, tenantId, { action: 'team.invite_accepted', actor: { userId: user.id, email: user.email }, ip: meta.ip, subjectUserId: user.id, details: { inviteId: row.id, role: row.role }, at: now });
        const tokens = await this.deps.service.openSession(trx, tenantId, user.id, row.role, meta);
        return { ...tokens, user: { id: user.id, email: user.email, name: user.name, role: row.role } };
      });
      if (!result) throw invalid();
      const tenant = await this.deps.tenancy.getTenant(tenantId);
      const tenants = await db.system((trx) => this.deps.accounts.membershipsOfUser(trx, result.user.id));
      return { ...result, tenant: { id: tenantId, name: tenant?.name ?? '' }, tenants: tenants.map((m) => ({ id: m.tenantId, name: m.tenantName, role: m.role })) };
    } catch (error) {
      // A person who signed up with this address meanwhile: they accept with that password.
      if (isEmailTaken(error)) throw accountErrors.emailTaken();
      throw error;
    }
  }

  /** Owners' rows are locked first, so concurrent demotions are decided one after another. */
  async changeRole(actor: Actor, userId: string, role: Role): Promise<MemberView> {
    return this.deps.db.tenant(actor.tenantId, async (trx) => {
      const owners = await this.deps.accounts.lockOwners(trx, actor.tenantId);
      const member = await this.deps.accounts.member(trx, actor.tenantId, userId);
      if (!member) throw accountErrors.notFound('No such member in this store.');
      if (member.role === role) return member;
      if (member.role === 'owner' && owners.length <= 1) throw accountErrors.lastOwner();
      await this.deps.accounts.setRole(trx, actor.tenantId, userId, role);
      await this.audit.record(trx, actor.tenantId, {
        action: 'team.role_changed',
        actor: { userId: actor.userId, apiKeyId: actor.apiKeyId },
        ip: actor.ip,
        subjectUserId: userId,
        details: { from: member.role, to: role, email: member.email },
        at: this.now(),
      });
      return { ...member, role };
    });
  }

  /** Removing a member ends their sessions in this store (cascade); their account stays. */
  async removeMember(actor: Actor, userId: string): Promise<void> {
    await this.deps.db.tenant(actor.tenantId, async (trx) => {
      const owners = await this.deps.accounts.lockOwners(trx, actor.tenantId);
      const member = await this.deps.accounts.member(trx, actor.tenantId, userId);
      if (!member) throw accountErrors.notFound('No such member in this store.');
      if (member.role === 'owner' && owners.length <= 1) throw accountErrors.lastOwner();
      await this.deps.accounts.deleteMembership(trx, actor.tenantId, userId);
      await this.audit.record(trx, actor.tenantId, {
        action: 'team.member_removed',
        actor: { userId: actor.userId, apiKeyId: actor.apiKeyId },
        ip: actor.ip,
        subjectUserId: userId,
        details: { role: member.role, email: member.email },
        at: this.now(),
      });
    });
  }
}
