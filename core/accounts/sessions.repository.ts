import type { Tx } from '../db/database.ts';

export interface SessionRow {
  tenant_id: string;
  id: string;
  user_id: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  revoked_reason: string | null;
}

export interface RefreshTokenRow {
  tenant_id: string;
  id: string;
  session_id: string;
  token_hash: string;
  expires_at: Date;
  used_at: Date | null;
}

/** Sessions (refresh-token families) and their refresh tokens; always inside the session's tenant. */
export class SessionsRepository {
  /** `created_at` is the database's clock, like users.password_changed_at, which it is compared with. */
  async createSession(trx: Tx, input: { tenantId: string; userId: string; expiresAt: Date; ip?: string; userAgent?: string }): Promise<SessionRow> {
    const [row] = await trx('sessions')
      .insert({
        tenant_id: input.tenantId,
        user_id: input.userId,
        expires_at: input.expiresAt,
        ip: input.ip ?? null,
        user_agent: input.userAgent?.slice(0, 300) ?? null,
      })
      .returning('*');
    return row as SessionRow;
  }

  async addRefreshToken(trx: Tx, input: { tenantId: string; sessionId: string; tokenHash: string; createdAt: Date; expiresAt: Date }): Promise<void> {
    await trx('refresh_tokens').insert({
      tenant_id: input.tenantId,
      session_id: input.sessionId,
      token_hash: input.tokenHash,
      created_at: input.createdAt,
      expires_at: input.expiresAt,
    });
  }

  /** Locked, so two presentations of one token are decided one after the other. */
  refreshTokenForUpdate(trx: Tx, tenantId: string, tokenHash: string): Promise<RefreshTokenRow | undefined> {
    return trx<RefreshTokenRow>('refresh_tokens').where({ tenant_id: tenantId, token_hash: tokenHash }).forUpdate().first();
  }

  async markRefreshTokenUsed(trx: Tx, tenantId: string, id: string, at: Date): Promise<void> {
    await trx('refresh_tokens').where({ tenant_id: tenantId, id }).update({ used_at: at });
  }

  session(trx: Tx, tenantId: string, sessionId: string): Promise<SessionRow | undefined> {
    return trx<SessionRow>('sessions').where({ tenant_id: tenantId, id: sessionId }).first();
  }

  /**
   * The caller's current role if the session is live, its user still a member, and the session
   * began after the user's last password change (so a reset ends every session at once, whatever
   * else fails); one query per request.
   */
  async liveSessionRole(trx: Tx, tenantId: string, sessionId: string, userId: string, now: Date): Promise<string | undefined> {
    return (await this.liveSession(trx, tenantId, sessionId, userId, now))?.role;
  }

  /** The same check, with the session's expiry (what the per-instance session cache keeps). */
  async liveSession(trx: Tx, tenantId: string, sessionId: string, userId: string, now: Date): Promise<{ role: string; expiresAt: Date } | undefined> {
    const row = await trx('sessions as s')
      .join('memberships as m', function () {
        this.on('m.tenant_id', '=', 's.tenant_id').andOn('m.user_id', '=', 's.user_id');
      })
      .join('users as u', 'u.id', 's.user_id')
      .where({ 's.tenant_id': tenantId, 's.id': sessionId, 's.user_id': userId })
      .whereNull('s.revoked_at')
      .where('s.expires_at', '>', now)
      .whereRaw('s.created_at >= u.password_changed_at')
      .first('m.role as role', 's.expires_at as expiresAt');
    return row ? { role: row.role as string, expiresAt: row.expiresAt as Date } : undefined;
  }

  async revokeSession(trx: Tx, tenantId: string, sessionId: string, reason: string, at: Date): Promise<boolean> {
    const n = await trx('sessions').where({ tenant_id: tenantId, id: sessionId }).whereNull('revoked_at').update({ revoked_at: at, revoked_reason: reason });
    return n > 0;
  }

  /** Every live session of a user in this tenant, except `keep` (the one that asked). */
  async revokeUserSessions(trx: Tx, tenantId: string, userId: string, reason: string, at: Date, keep?: string): Promise<number> {
    const query = trx('sessions').where({ tenant_id: tenantId, user_id: userId }).whereNull('revoked_at');
    if (keep) query.whereNot({ id: keep });
    return query.update({ revoked_at: at, revoked_reason: reason });
  }
}
