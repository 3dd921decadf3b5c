import type { Database, Tx } from '../db/database.ts';

/** The plugin host's tables: installations, the namespaced key-value store, webhook deliveries. */

export interface InstallationRow {
  tenant_id: string;
  id: string;
  plugin_id: string;
  external_id: string;
  config: unknown;
  secrets_encrypted: string | null;
  status: string;
}

export interface StuckDelivery {
  tenant_id: string;
  plugin_id: string;
  delivery_id: string;
  topic: string;
  payload: Buffer;
  headers: Record<string, string | undefined>;
}

export class PluginStateRepository {
  constructor(private readonly db: Database) {}

  /** A webhook names the platform account; the system role may read installations to find the tenant. */
  findActiveInstallation(pluginId: string, externalId: string): Promise<InstallationRow | undefined> {
    return this.db.system((trx) =>
      trx<InstallationRow>('plugin_installations').where({ plugin_id: pluginId, external_id: externalId, status: 'active' }).first(),
    );
  }

  upsertInstallation(tenantId: string, row: { pluginId: string; externalId: string; config: unknown; secretsEncrypted: string | null }): Promise<InstallationRow> {
    return this.db.tenant(tenantId, async (trx) => {
      const [saved] = await trx('plugin_installations')
        .insert({
          tenant_id: tenantId,
          plugin_id: row.pluginId,
          external_id: row.externalId,
          config: JSON.stringify(row.config ?? {}),
          secrets_encrypted: row.secretsEncrypted,
          status: 'active',
        })
        .onConflict(['tenant_id', 'plugin_id', 'external_id'])
        .merge({ config: JSON.stringify(row.config ?? {}), secrets_encrypted: row.secretsEncrypted, status: 'active', updated_at: trx.fn.now() })
        .returning('*');
      return saved as InstallationRow;
    });
  }

  setInstallationStatus(tenantId: string, pluginId: string, externalId: string, status: 'active' | 'uninstalled'): Promise<number> {
    return this.db.tenant(tenantId, (trx) =>
      trx('plugin_installations').where({ plugin_id: pluginId, external_id: externalId }).update({ status, updated_at: trx.fn.now() }),
    );
  }

  /** Inserts the delivery; false when the platform already delivered it (duplicate). */
  recordDelivery(tenantId: string, delivery: { pluginId: string; deliveryId: string; topic: string; payload: Buffer; headers: Record<string, string | undefined> }): Promise<boolean> {
    return this.db.tenant(tenantId, async (trx) => {
      const inserted = await trx('webhook_deliveries')
        .insert({
          tenant_id: tenantId,
          plugin_id: delivery.pluginId,
          delivery_id: delivery.deliveryId,
          topic: delivery.topic,
          payload: delivery.payload,
          headers: JSON.stringify(delivery.headers),
        })
        .onConflict(['tenant_id', 'plugin_id', 'delivery_id'])
        .ignore()
        .returning('delivery_id');
      return inserted.length === 1;
    });
  }

  finishDelivery(tenantId: string, pluginId: string, deliveryId: string, outcome: { ok: true } | { ok: false; error: string }): Promise<void> {
    return this.db.tenant(tenantId, async (trx) => {
      await trx('webhook_deliveries')
        .where({ plugin_id: pluginId, delivery_id: deliveryId })
        .update({
          status: outcome.ok ? 'processed' : 'failed',
          error: outcome.ok ? null : outcome.error.slice(0, 2000),
          processed_at: trx.fn.now(),
          attempts: trx.raw('attempts + 1'),
        });
    });
  }

  /**
   * Deliveries answered 200 but never processed (the instance died in between), older than
   * `olderThanSeconds`. Claiming bumps `received_at`, which acts as a lease for other instances.
   */
  claimStuckDeliveries(olderThanSeconds: number, limit: number, maxAttempts = 5): Promise<StuckDelivery[]> {
    return this.db.system(async (trx) => {
      const result = await trx.raw(
        `UPDATE webhook_deliveries d SET received_at = now(), attempts = d.attempts + 1
         FROM (SELECT tenant_id, plugin_id, delivery_id FROM webhook_deliveries
               WHERE status = 'received' AND received_at < now() - make_interval(secs => ?) AND attempts < ?
               ORDER BY received_at LIMIT ? FOR UPDATE SKIP LOCKED) s
         WHERE d.tenant_id = s.tenant_id AND d.plugin_id = s.plugin_id AND d.delivery_id = s.delivery_id
         RETURNING d.tenant_id, d.plugin_id, d.delivery_id, d.topic, d.payload, d.headers`,
        [olderThanSeconds, maxAttempts, limit],
      );
      return result.rows as StuckDelivery[];
    });
  }

  kv(tenantId: string, pluginId: string) {
    const scoped = <T>(work: (trx: Tx) => Promise<T>) => this.db.tenant(tenantId, work);
    return {
      get: <T>(key: string) =>
        scoped(async (trx) => {
          const row = await trx('plugin_kv')
            .where({ plugin_id: pluginId, key })
            .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', trx.fn.now()))
            .first('value');
          return row ? (row.value as T) : undefined;
        }),
      set: (key: string, value: unknown, options: { ttlSeconds?: number } = {}) =>
        scoped(async (trx) => {
          const expires = options.ttlSeconds ? trx.raw(`now() + make_interval(secs => ?)`, [options.ttlSeconds]) : null;
          await trx('plugin_kv')
            .insert({ tenant_id: tenantId, plugin_id: pluginId, key, value: JSON.stringify(value), expires_at: expires })
            .onConflict(['tenant_id', 'plugin_id', 'key'])
            .merge({ value: JSON.stringify(value), expires_at: expires });
        }),
      delete: (key: string) =>
        scoped(async (trx) => {
          await trx('plugin_kv').where({ plugin_id: pluginId, key }).delete();
        }),
    };
  }
}
