import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/database.ts';

/**
 * Install `state` (issue #10): host-signed, random, expiring, single-use, bound to a tenant or to
 * "new tenant". The token is `<nonce>.<mac>`; PostgreSQL keeps only the nonce's hash with the
 * binding, and consuming it is one DELETE … RETURNING, so reuse is refused across instances.
 */

export const INSTALL_STATE_TTL_SECONDS = 600;

export interface InstallStateRow {
  plugin_id: string;
  tenant_id: string | null;
  origin: 'tenant' | 'platform';
  remembered: Record<string, string>;
  expires_at: Date;
}

export class InstallStates {
  constructor(
    private readonly db: Database,
    private readonly key: Buffer,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private mac(pluginId: string, nonce: string): string {
    return createHmac('sha256', this.key).update(`install-state\n${pluginId}\n${nonce}`).digest('base64url').slice(0, 22);
  }

  private static hash(nonce: string): string {
    return createHash('sha256').update(nonce).digest('hex');
  }

  /** The nonce of a well-formed state signed by us for this plugin, else undefined (no database read). */
  private nonceOf(pluginId: string, state: string | undefined): string | undefined {
    if (!state || state.length > 100) return undefined;
    const [nonce, mac, extra] = state.split('.');
    if (!nonce || !mac || extra !== undefined || !/^[A-Za-z0-9_-]{32}$/.test(nonce)) return undefined;
    const expected = Buffer.from(this.mac(pluginId, nonce));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected) ? nonce : undefined;
  }

  async issue(input: { pluginId: string; origin: 'tenant' | 'platform'; tenantId: string | null }): Promise<string> {
    const nonce = randomBytes(24).toString('base64url');
    const expiresAt = new Date(this.clock().getTime() + INSTALL_STATE_TTL_SECONDS * 1000);
    await this.db.system((trx) =>
      trx('plugin_install_states').insert({ nonce_hash: InstallStates.hash(nonce), plugin_id: input.pluginId, for_tenant_id: input.tenantId, origin: input.origin, expires_at: expiresAt }),
    );
    return `${nonce}.${this.mac(input.pluginId, nonce)}`;
  }

  /** Keeps what `begin` asked to remember with the state. */
  async remember(pluginId: string, state: string, remembered: Record<string, string>): Promise<void> {
    const nonce = this.nonceOf(pluginId, state);
    if (!nonce) return;
    await this.db.system((trx) => trx('plugin_install_states').where({ nonce_hash: InstallStates.hash(nonce) }).update({ remembered: JSON.stringify(remembered) }));
  }

  /** A valid, unexpired, unused state's binding, without using it up. */
  async peek(pluginId: string, state: string | undefined): Promise<InstallStateRow | undefined> {
    const nonce = this.nonceOf(pluginId, state);
    if (!nonce) return undefined;
    const row = (await this.db.system((trx) => trx('plugin_install_states').where({ nonce_hash: InstallStates.hash(nonce), plugin_id: pluginId }).first())) as InstallStateRow | undefined;
    return row && row.expires_at > this.clock() ? row : undefined;
  }

  /** Uses the state up: exactly one caller, on any instance, gets its binding. */
  async consume(pluginId: string, state: string | undefined): Promise<InstallStateRow | undefined> {
    const nonce = this.nonceOf(pluginId, state);
    if (!nonce) return undefined;
    const [row] = await this.db.system((trx) =>
      trx('plugin_install_states').where({ nonce_hash: InstallStates.hash(nonce), plugin_id: pluginId }).delete().returning(['plugin_id', 'for_tenant_id as tenant_id', 'origin', 'remembered', 'expires_at']),
    );
    const found = row as InstallStateRow | undefined;
    return found && found.expires_at > this.clock() ? found : undefined;
  }

  /** Drops expired states (a periodic job). */
  purgeExpired(): Promise<number> {
    return this.db.system((trx) => trx('plugin_install_states').where('expires_at', '<', this.clock()).delete());
  }
}
