import type { Tx } from '../db/database.ts';
import type { Role } from './accounts.repository.ts';

export interface InviteRow {
  tenant_id: string;
  id: string;
  email: string;
  role: Role;
  token_hash: string;
  locale: string;
  invited_by_user_id: string | null;
  created_at: Date;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
}

export class InvitesRepository {
  /** Replaces an open invite to the same address (the unique index allows one). */
  async insert(trx: Tx, input: { tenantId: string; email: string; role: Role; tokenHash: string; locale: string; invitedBy: string | null; at: Date; expiresAt: Date }): Promise<InviteRow> {
    await trx('invites')
      .where({ tenant_id: input.tenantId })
      .whereRaw('lower(email) = lower(?)', [input.email])
      .whereNull('accepted_at')
      .whereNull('revoked_at')
      .update({ revoked_at: input.at });
    const [row] = await trx('invites')
      .insert({
        tenant_id: input.tenantId,
        email: input.email,
        role: input.role,
        token_hash: input.tokenHash,
        locale: input.locale,
        invited_by_user_id: input.invitedBy,
        created_at: input.at,
        expires_at: input.expiresAt,
      })
      .returning('*');
    return row as InviteRow;
  }

  listOpen(trx: Tx, tenantId: string): Promise<InviteRow[]> {
    return trx<InviteRow>('invites').where({ tenant_id: tenantId }).whereNull('accepted_at').whereNull('revoked_at').orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]);
  }

  get(trx: Tx, tenantId: string, id: string): Promise<InviteRow | undefined> {
    return trx<InviteRow>('invites').where({ tenant_id: tenantId, id }).first();
  }

  byHashForUpdate(trx: Tx, tenantId: string, tokenHash: string): Promise<InviteRow | undefined> {
    return trx<InviteRow>('invites').where({ tenant_id: tenantId, token_hash: tokenHash }).forUpdate().first();
  }

  async markAccepted(trx: Tx, tenantId: string, id: string, at: Date): Promise<void> {
    await trx('invites').where({ tenant_id: tenantId, id }).update({ accepted_at: at });
  }

  async revoke(trx: Tx, tenantId: string, id: string, at: Date): Promise<InviteRow | undefined> {
    const [row] = await trx('invites').where({ tenant_id: tenantId, id }).whereNull('accepted_at').whereNull('revoked_at').update({ revoked_at: at }).returning('*');
    return row as InviteRow | undefined;
  }

  async delete(trx: Tx, tenantId: string, id: string): Promise<void> {
    await trx('invites').where({ tenant_id: tenantId, id }).delete();
  }
}
