import type { Knex } from 'knex';
import type { Database, ReadQuery, Tx } from '../db/database.ts';
import { newBotPublicKey, tenantIdFromBotKey } from './keys.ts';

export interface TenantRow {
  id: string;
  name: string;
  time_zone: string;
  locale: string;
  settings: Record<string, unknown>;
  created_at: Date;
}

export interface BotRow {
  tenant_id: string;
  id: string;
  name: string;
  public_key: string;
  allowed_origins: string[];
  locale: string;
  time_zone: string;
  greeting: string | null;
  persona: string | null;
  theme: Record<string, unknown>;
  /** Weekly hours a person answers chats, in the bot's zone; null when not set (issue #18). */
  business_hours: BusinessHours | null;
  /** Greetings by language tag ("de", "en-GB"); `greeting` is the fallback. */
  greetings: Record<string, string>;
  identity_secret_encrypted: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface NewBot {
  name: string;
  allowedOrigins: string[];
  locale?: string;
  timeZone?: string;
  greeting?: string | null;
  persona?: string | null;
  theme?: Record<string, unknown>;
  businessHours?: BusinessHours | null;
  greetings?: Record<string, string>;
  identitySecretEncrypted?: string | null;
}

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
/** "HH:mm" wall-clock ranges per weekday; a missing or empty day is closed. */
export type BusinessHours = Partial<Record<Weekday, { start: string; end: string }[]>>;

export class TenancyRepository {
  constructor(private readonly db: Database) {}

  /** Creating a tenant precedes having one: the system role may insert tenants. */
  createTenant(input: { name: string; timeZone?: string; locale?: string }): Promise<TenantRow> {
    return this.db.system(async (trx) => {
      const [row] = await trx('tenants')
        .insert({ name: input.name, time_zone: input.timeZone ?? 'UTC', locale: input.locale ?? 'en' })
        .returning('*');
      return row as TenantRow;
    });
  }

  /**
   * Inserts a tenant inside the caller's unit of work, as `db.tenant(id, ...)` of the new id:
   * signup creates the tenant, its owner and the first session in one transaction, so a failure
   * (e.g. a taken email) leaves nothing behind.
   */
  async insertTenant(trx: Tx, input: { id: string; name: string; timeZone?: string; locale?: string }): Promise<TenantRow> {
    const [row] = await trx('tenants')
      .insert({ id: input.id, name: input.name, time_zone: input.timeZone ?? 'UTC', locale: input.locale ?? 'en' })
      .returning('*');
    return row as TenantRow;
  }

  /** Deletes the tenant inside the caller's unit of work; every tenant table cascades from it. */
  async deleteTenantIn(trx: Tx, tenantId: string): Promise<boolean> {
    return (await trx('tenants').where({ id: tenantId }).delete()) > 0;
  }

  countTenants(): Promise<number> {
    return this.db.system(async (trx) => Number((await trx('tenants').count<{ count: number }[]>('* as count'))[0]?.count ?? 0));
  }

  getTenant(tenantId: string): Promise<TenantRow | undefined> {
    return this.db.tenant(tenantId, (trx) => this.tenantIn(trx, tenantId));
  }

  /** The same read inside a caller's unit of work (one transaction per request). */
  tenantIn(trx: Tx, tenantId: string): Promise<TenantRow | undefined> {
    return Promise.resolve(this.tenantQuery(trx, tenantId));
  }

  /** The same read as a query not yet run, for `Database.tenantBatch` (one round trip). */
  tenantQuery(knex: Knex, tenantId: string): ReadQuery<TenantRow | undefined> {
    return knex<TenantRow>('tenants').where({ id: tenantId }).first();
  }

  createBot(tenantId: string, bot: NewBot): Promise<BotRow> {
    return this.db.tenant(tenantId, (trx) => this.insertBot(trx, tenantId, bot));
  }

  /** Inserts a bot inside the caller's unit of work (a store created by a platform install). */
  async insertBot(trx: Tx, tenantId: string, bot: NewBot): Promise<BotRow> {
    const [row] = await trx('bots')
      .insert({
        tenant_id: tenantId,
        name: bot.name,
        public_key: newBotPublicKey(tenantId),
        allowed_origins: bot.allowedOrigins,
        locale: bot.locale ?? 'en',
        time_zone: bot.timeZone ?? 'UTC',
        greeting: bot.greeting ?? null,
        persona: bot.persona ?? null,
        theme: JSON.stringify(bot.theme ?? {}),
        ...(bot.greetings !== undefined ? { greetings: JSON.stringify(bot.greetings) } : {}),
        ...(bot.businessHours !== undefined ? { business_hours: bot.businessHours === null ? null : JSON.stringify(bot.businessHours) } : {}),
        identity_secret_encrypted: bot.identitySecretEncrypted ?? null,
      })
      .returning('*');
    return row as BotRow;
  }

  listBots(tenantId: string): Promise<BotRow[]> {
    return this.db.tenant(tenantId, (trx) => trx<BotRow>('bots').orderBy('created_at'));
  }

  /** Oldest first; `after` is the (created_at, id) of the last bot of the previous page. */
  listBotsPage(tenantId: string, options: { limit: number; after?: { createdAt: Date; id: string } }): Promise<BotRow[]> {
    return this.db.tenant(tenantId, (trx) => {
      const query = trx<BotRow>('bots').where({ tenant_id: tenantId });
      // Cursors carry milliseconds (JavaScript dates); compare at that precision so none is skipped or repeated.
      const at = `date_trunc('milliseconds', created_at)`;
      if (options.after) query.whereRaw(`(${at}, id) > (?::timestamptz, ?::uuid)`, [options.after.createdAt, options.after.id]);
      return query.orderByRaw(`${at}, id`).limit(options.limit);
    });
  }

  getBot(tenantId: string, botId: string): Promise<BotRow | undefined> {
    return this.db.tenant(tenantId, (trx) => trx<BotRow>('bots').where({ tenant_id: tenantId, id: botId }).first());
  }

  /** undefined when the bot does not exist (in this tenant). */
  updateBot(tenantId: string, botId: string, patch: Partial<Omit<NewBot, 'identitySecretEncrypted'>> & { identitySecretEncrypted?: string | null }): Promise<BotRow | undefined> {
    const changes: Record<string, unknown> = {};
    if (patch.name !== undefined) changes.name = patch.name;
    if (patch.allowedOrigins !== undefined) changes.allowed_origins = patch.allowedOrigins;
    if (patch.locale !== undefined) changes.locale = patch.locale;
    if (patch.timeZone !== undefined) changes.time_zone = patch.timeZone;
    if (patch.greeting !== undefined) changes.greeting = patch.greeting;
    if (patch.persona !== undefined) changes.persona = patch.persona;
    if (patch.theme !== undefined) changes.theme = JSON.stringify(patch.theme);
    if (patch.greetings !== undefined) changes.greetings = JSON.stringify(patch.greetings);
    if (patch.businessHours !== undefined) changes.business_hours = patch.businessHours === null ? null : JSON.stringify(patch.businessHours);
    if (patch.identitySecretEncrypted !== undefined) changes.identity_secret_encrypted = patch.identitySecretEncrypted;
    return this.db.tenant(tenantId, async (trx) => {
      const [row] = await trx('bots')
        .where({ tenant_id: tenantId, id: botId })
        .update({ ...changes, updated_at: trx.fn.now() })
        .returning('*');
      return row as BotRow | undefined;
    });
  }

  deleteBot(tenantId: string, botId: string): Promise<boolean> {
    return this.db.tenant(tenantId, async (trx) => (await trx('bots').where({ tenant_id: tenantId, id: botId }).delete()) > 0);
  }

  /** Resolves a widget's bot key inside the tenant the key names. */
  async findBotByPublicKey(publicKey: string): Promise<BotRow | undefined> {
    const tenantId = tenantIdFromBotKey(publicKey);
    if (!tenantId) return undefined;
    return this.db.tenant(tenantId, (trx) => trx<BotRow>('bots').where({ public_key: publicKey }).first());
  }
}
