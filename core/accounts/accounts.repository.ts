import type { Knex } from 'knex';
import { sql, type Database, type ReadQuery, type SqlStatement, type Tx } from '../db/database.ts';

/** A row of `meQuery`. */
export interface MeRow {
  tenant_id: string;
  tenant_name: string;
  time_zone: string;
  locale: string;
  user_id: string | null;
  email: string | null;
  user_name: string | null;
}

export type Role = 'owner' | 'admin' | 'agent';
export const ROLES: readonly Role[] = ['owner', 'admin', 'agent'];

export interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  name: string | null;
  locale: string;
  created_at: Date;
  password_changed_at: Date;
}

export interface MembershipRow {
  tenant_id: string;
  id: string;
  user_id: string;
  role: Role;
  created_at: Date;
}

/** A membership with what login and /me show about it. */
export interface MembershipWithTenant {
  tenantId: string;
  tenantName: string;
  role: Role;
  createdAt: Date;
}

export interface MemberView {
  userId: string;
  email: string;
  name: string | null;
  role: Role;
  joinedAt: Date;
}

/** PostgreSQL unique_violation on the case-insensitive email index. */
export function isEmailTaken(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string };
  return e?.code === '23505' && e.constraint === 'users_email_lower';
}

/**
 * Users are global identities; a membership ties one to a tenant with a role.
 * Methods taking a `trx` run inside the caller's unit of work (db.tenant / db.system), so a
 * service can make several changes atomically; tenant-table queries also filter by tenant
 * themselves (the application wall in front of row-level security, design.md §4).
 */
export class AccountsRepository {
  constructor(private readonly db: Database) {}

  countUsers(): Promise<number> {
    return this.db.system(async (trx) => Number((await trx('users').count<{ count: number }[]>('* as count'))[0]?.count ?? 0));
  }

  findUserByEmail(email: string): Promise<UserRow | undefined> {
    return this.db.system((trx) => this.userByEmail(trx, email));
  }

  /** Creates the user and their membership in one transaction: never a user without a tenant. */
  createMember(tenantId: string, input: { email: string; passwordHash: string; name?: string | null; role: Role; locale?: string }): Promise<UserRow> {
    return this.db.tenant(tenantId, async (trx) => {
      const user = await this.insertUser(trx, input);
      await this.insertMembership(trx, tenantId, user.id, input.role);
      return user;
    });
  }

  // ---------------------------------------------------------------- users (global)

  userByEmail(trx: Tx, email: string): Promise<UserRow | undefined> {
    return trx<UserRow>('users').whereRaw('lower(email) = lower(?)', [email]).first();
  }

  userById(trx: Tx, userId: string): Promise<UserRow | undefined> {
    return Promise.resolve(this.userQuery(trx, userId));
  }

  /** The same read as a query not yet run, for `Database.tenantBatch` (one round trip). */
  userQuery(knex: Knex, userId: string): ReadQuery<UserRow | undefined> {
    return knex<UserRow>('users').where({ id: userId }).first();
  }

  /**
   * `GET /api/v1/me` in one statement, only the columns it answers with (the signed-in hot path,
   * issue 13): the store, and the user when the caller is one (an API key has none). The read is
   * the function `concierge_me` (migration 20261206T0400), whose plan each connection keeps, under
   * the caller's row-level security like any statement. Written as `sql`, not built with knex:
   * building it cost more than running it.
   */
  meQuery(tenantId: string, userId: string | null): SqlStatement<MeRow[]> {
    return sql('SELECT * FROM concierge_me($1, $2)', [tenantId, userId]);
  }

  /** Throws a unique violation (see isEmailTaken) when the address is registered already. */
  async insertUser(trx: Tx, input: { email: string; passwordHash: string; name?: string | null; locale?: string }): Promise<UserRow> {
    const [user] = await trx('users')
      .insert({ email: input.email, password_hash: input.passwordHash, name: input.name ?? null, locale: input.locale ?? 'en' })
      .returning('*');
    return user as UserRow;
  }

  /** `password_changed_at` is the database's clock: sessions that began before it are over. */
  async setPassword(trx: Tx, userId: string, passwordHash: string): Promise<void> {
    await trx('users').where({ id: userId }).update({ password_hash: passwordHash, password_changed_at: trx.fn.now() });
  }

  /** Serialises per-user work (e.g. counting reset mails) across instances. */
  async lockUser(trx: Tx, userId: string): Promise<void> {
    await trx('users').where({ id: userId }).forUpdate().first('id');
  }

  // ---------------------------------------------------------------- memberships

  async insertMembership(trx: Tx, tenantId: string, userId: string, role: Role): Promise<void> {
    await trx('memberships').insert({ tenant_id: tenantId, user_id: userId, role });
  }

  membership(trx: Tx, tenantId: string, userId: string): Promise<MembershipRow | undefined> {
    return trx<MembershipRow>('memberships').where({ tenant_id: tenantId, user_id: userId }).first();
  }

  /** Every store a user works in, oldest first (system role: before a tenant is chosen). */
  membershipsOfUser(trx: Tx, userId: string): Promise<MembershipWithTenant[]> {
    return trx('memberships as m')
      .join('tenants as t', 't.id', 'm.tenant_id')
      .where('m.user_id', userId)
      .orderBy([{ column: 'm.created_at' }, { column: 'm.tenant_id' }])
      .select('m.tenant_id as tenantId', 't.name as tenantName', 'm.role as role', 'm.created_at as createdAt');
  }

  /** Addresses of members who asked to be mailed when a shopper asks for a person (issue #18). */
  async handoffRecipients(trx: Tx, tenantId: string): Promise<string[]> {
    const rows = await trx('memberships as m').join('users as u', 'u.id', 'm.user_id').where({ 'm.tenant_id': tenantId, 'm.notify_handoff': true }).select('u.email as email');
    return rows.map((r: { email: string }) => r.email);
  }

  async notificationPrefs(trx: Tx, tenantId: string, userId: string): Promise<{ handoffEmail: boolean } | undefined> {
    const row = await trx('memberships').where({ tenant_id: tenantId, user_id: userId }).first('notify_handoff');
    return row ? { handoffEmail: Boolean(row.notify_handoff) } : undefined;
  }

  async setNotificationPrefs(trx: Tx, tenantId: string, userId: string, prefs: { handoffEmail: boolean }): Promise<boolean> {
    return (await trx('memberships').where({ tenant_id: tenantId, user_id: userId }).update({ notify_handoff: prefs.handoffEmail })) > 0;
  }

  listMembers(trx: Tx, tenantId: string): Promise<MemberView[]> {
    return trx('memberships as m')
      .join('users as u', 'u.id', 'm.user_id')
      .where('m.tenant_id', tenantId)
      .orderBy([{ column: 'm.created_at' }, { column: 'm.user_id' }])
      .select('m.user_id as userId', 'u.email as email', 'u.name as name', 'm.role as role', 'm.created_at as joinedAt');
  }

  async member(trx: Tx, tenantId: string, userId: string): Promise<MemberView | undefined> {
    return trx('memberships as m')
      .join('users as u', 'u.id', 'm.user_id')
      .where({ 'm.tenant_id': tenantId, 'm.user_id': userId })
      .first('m.user_id as userId', 'u.email as email', 'u.name as name', 'm.role as role', 'm.created_at as joinedAt');
  }

  /** The store's first owner (earliest membership): whom a platform admin's session acts as (decision 0019). */
  firstOwner(tenantId: string): Promise<{ userId: string } | undefined> {
    return this.db.tenant(tenantId, (trx) =>
      trx<MembershipRow>('memberships').where({ tenant_id: tenantId, role: 'owner' }).orderBy([{ column: 'created_at' }, { column: 'id' }]).first('user_id as userId'),
    );
  }

  /** Locks the store's owner rows, so two concurrent demotions cannot leave it without an owner. */
  async lockOwners(trx: Tx, tenantId: string): Promise<string[]> {
    const rows = await trx<MembershipRow>('memberships').where({ tenant_id: tenantId, role: 'owner' }).forUpdate().select('user_id');
    return rows.map((r) => r.user_id);
  }

  async setRole(trx: Tx, tenantId: string, userId: string, role: Role): Promise<void> {
    await trx('memberships').where({ tenant_id: tenantId, user_id: userId }).update({ role });
  }

  /** Sessions of the member go with it (foreign key cascade). */
  async deleteMembership(trx: Tx, tenantId: string, userId: string): Promise<boolean> {
    return (await trx('memberships').where({ tenant_id: tenantId, user_id: userId }).delete()) > 0;
  }
}
