import type { Database } from '../db/database.ts';

export type Role = 'owner' | 'admin' | 'agent';

export interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  name: string | null;
  created_at: Date;
  password_changed_at: Date;
}

/** Users are global identities; a membership ties one to a tenant with a role. */
export class AccountsRepository {
  constructor(private readonly db: Database) {}

  countUsers(): Promise<number> {
    return this.db.system(async (trx) => Number((await trx('users').count<{ count: number }[]>('* as count'))[0]?.count ?? 0));
  }

  findUserByEmail(email: string): Promise<UserRow | undefined> {
    return this.db.system((trx) => trx<UserRow>('users').whereRaw('lower(email) = lower(?)', [email]).first());
  }

  /** Creates the user and their membership in one transaction: never a user without a tenant. */
  createMember(tenantId: string, input: { email: string; passwordHash: string; name?: string | null; role: Role }): Promise<UserRow> {
    return this.db.tenant(tenantId, async (trx) => {
      const [user] = await trx('users').insert({ email: input.email, password_hash: input.passwordHash, name: input.name ?? null }).returning('*');
      await trx('memberships').insert({ tenant_id: tenantId, user_id: (user as UserRow).id, role: input.role });
      return user as UserRow;
    });
  }
}
