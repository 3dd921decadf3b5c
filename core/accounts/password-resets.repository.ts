import type { Tx } from '../db/database.ts';

export interface PasswordResetRow {
  id: string;
  user_id: string;
  token_hash: string;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
}

/** Global like users; only the system role has grants on this table. */
export class PasswordResetsRepository {
  async countSince(trx: Tx, userId: string, since: Date): Promise<number> {
    const [row] = await trx('password_reset_tokens').where({ user_id: userId }).where('created_at', '>', since).count<{ count: number }[]>('* as count');
    return Number(row?.count ?? 0);
  }

  async insert(trx: Tx, input: { userId: string; tokenHash: string; at: Date; expiresAt: Date }): Promise<void> {
    await trx('password_reset_tokens').insert({ user_id: input.userId, token_hash: input.tokenHash, created_at: input.at, expires_at: input.expiresAt });
  }

  byHashForUpdate(trx: Tx, tokenHash: string): Promise<PasswordResetRow | undefined> {
    return trx<PasswordResetRow>('password_reset_tokens').where({ token_hash: tokenHash }).forUpdate().first();
  }

  /** Using one link spends every open link of that user. */
  async spendAll(trx: Tx, userId: string, at: Date): Promise<void> {
    await trx('password_reset_tokens').where({ user_id: userId }).whereNull('used_at').update({ used_at: at });
  }
}
