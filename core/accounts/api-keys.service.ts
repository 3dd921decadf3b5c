import type { Database } from '../db/database.ts';
import { accountErrors } from './accounts.errors.ts';
import { ApiKeysRepository, type ApiKeyRow } from './api-keys.repository.ts';
import { AuditRepository } from './audit.repository.ts';
import { hashToken, newTenantToken, tenantOfToken } from './opaque-tokens.ts';
import type { Actor } from './team.service.ts';

/** Per-tenant API keys for server-to-server calls: shown once, stored hashed, revocable. */

export interface ApiKeyView {
  id: string;
  name: string;
  role: ApiKeyRow['role'];
  /** The key's last characters, to tell keys apart. */
  hint: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const view = (row: ApiKeyRow): ApiKeyView => ({
  id: row.id,
  name: row.name,
  role: row.role,
  hint: row.hint,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
});

export class ApiKeysService {
  private readonly keys = new ApiKeysRepository();
  private readonly audit = new AuditRepository();
  private readonly now: () => Date;

  constructor(
    private readonly db: Database,
    now?: () => Date,
  ) {
    this.now = now ?? (() => new Date());
  }

  /** The only time the key itself is returned. */
  async create(actor: Actor, input: { name: string; role: ApiKeyRow['role'] }): Promise<ApiKeyView & { key: string }> {
    const key = newTenantToken('cak', actor.tenantId);
    const now = this.now();
    const row = await this.db.tenant(actor.tenantId, async (trx) => {
      const row = await this.keys.insert(trx, { tenantId: actor.tenantId, name: input.name, role: input.role, keyHash: hashToken(key), hint: key.slice(-4), createdBy: actor.userId, at: now });
      await this.audit.record(trx, actor.tenantId, { action: 'api_key.created', actor: { userId: actor.userId }, ip: actor.ip, details: { apiKeyId: row.id, name: row.name, role: row.role }, at: now });
      return row;
    });
    return { ...view(row), key };
  }

  async list(tenantId: string): Promise<ApiKeyView[]> {
    return (await this.db.tenant(tenantId, (trx) => this.keys.list(trx, tenantId))).map(view);
  }

  async get(tenantId: string, id: string): Promise<ApiKeyView> {
    const row = await this.db.tenant(tenantId, (trx) => this.keys.get(trx, tenantId, id));
    if (!row) throw accountErrors.notFound('No API key with this id in this store.');
    return view(row);
  }

  async revoke(actor: Actor, id: string): Promise<void> {
    const now = this.now();
    await this.db.tenant(actor.tenantId, async (trx) => {
      const row = await this.keys.revoke(trx, actor.tenantId, id, now);
      if (!row) throw accountErrors.notFound('No active API key with this id in this store.');
      await this.audit.record(trx, actor.tenantId, { action: 'api_key.revoked', actor: { userId: actor.userId }, ip: actor.ip, details: { apiKeyId: id, name: row.name }, at: now });
    });
  }

  /** The key's tenant, id and role, or undefined for anything unknown or revoked. */
  async authenticate(key: string): Promise<{ tenantId: string; id: string; role: ApiKeyRow['role'] } | undefined> {
    const tenantId = tenantOfToken('cak', key);
    if (!tenantId) return undefined;
    return this.db.tenant(tenantId, async (trx) => {
      const row = await this.keys.activeByHash(trx, tenantId, hashToken(key));
      if (!row) return undefined;
      await this.keys.touch(trx, tenantId, row.id, this.now());
      return { tenantId, id: row.id, role: row.role };
    });
  }
}
