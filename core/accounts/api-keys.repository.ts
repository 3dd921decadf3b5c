import type { Tx } from '../db/database.ts';
import type { Role } from './accounts.repository.ts';

export interface ApiKeyRow {
  tenant_id: string;
  id: string;
  name: string;
  role: Exclude<Role, 'owner'>;
  key_hash: string;
  hint: string;
  created_by_user_id: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export class ApiKeysRepository {
  async insert(trx: Tx, input: { tenantId: string; name: string; role: ApiKeyRow['role']; keyHash: string; hint: string; createdBy: string | null; at: Date }): Promise<ApiKeyRow> {
    const [row] = await trx('api_keys')
      .insert({
        tenant_id: input.tenantId,
        name: input.name,
        role: input.role,
        key_hash: input.keyHash,
        hint: input.hint,
        created_by_user_id: input.createdBy,
        created_at: input.at,
      })
      .returning('*');
    return row as ApiKeyRow;
  }

  list(trx: Tx, tenantId: string): Promise<ApiKeyRow[]> {
    return trx<ApiKeyRow>('api_keys').where({ tenant_id: tenantId }).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]);
  }

  get(trx: Tx, tenantId: string, id: string): Promise<ApiKeyRow | undefined> {
    return trx<ApiKeyRow>('api_keys').where({ tenant_id: tenantId, id }).first();
  }

  activeByHash(trx: Tx, tenantId: string, keyHash: string): Promise<ApiKeyRow | undefined> {
    return trx<ApiKeyRow>('api_keys').where({ tenant_id: tenantId, key_hash: keyHash }).whereNull('revoked_at').first();
  }

  /** Written at most once a minute per key, so using a key does not mean a write per request. */
  async touch(trx: Tx, tenantId: string, id: string, at: Date): Promise<void> {
    await trx('api_keys')
      .where({ tenant_id: tenantId, id })
      .where((q) => q.whereNull('last_used_at').orWhere('last_used_at', '<', new Date(at.getTime() - 60_000)))
      .update({ last_used_at: at });
  }

  async revoke(trx: Tx, tenantId: string, id: string, at: Date): Promise<ApiKeyRow | undefined> {
    const [row] = await trx('api_keys').where({ tenant_id: tenantId, id }).whereNull('revoked_at').update({ revoked_at: at }).returning('*');
    return row as ApiKeyRow | undefined;
  }
}
