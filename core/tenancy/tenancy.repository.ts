import type { Database } from '../db/database.ts';
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
  identitySecretEncrypted?: string | null;
}

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

  countTenants(): Promise<number> {
    return this.db.system(async (trx) => Number((await trx('tenants').count<{ count: number }[]>('* as count'))[0]?.count ?? 0));
  }

  getTenant(tenantId: string): Promise<TenantRow | undefined> {
    return this.db.tenant(tenantId, (trx) => trx<TenantRow>('tenants').where({ id: tenantId }).first());
  }

  createBot(tenantId: string, bot: NewBot): Promise<BotRow> {
    return this.db.tenant(tenantId, async (trx) => {
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
          identity_secret_encrypted: bot.identitySecretEncrypted ?? null,
        })
        .returning('*');
      return row as BotRow;
    });
  }

  listBots(tenantId: string): Promise<BotRow[]> {
    return this.db.tenant(tenantId, (trx) => trx<BotRow>('bots').orderBy('created_at'));
  }

  /** Resolves a widget's bot key inside the tenant the key names. */
  async findBotByPublicKey(publicKey: string): Promise<BotRow | undefined> {
    const tenantId = tenantIdFromBotKey(publicKey);
    if (!tenantId) return undefined;
    return this.db.tenant(tenantId, (trx) => trx<BotRow>('bots').where({ public_key: publicKey }).first());
  }
}
