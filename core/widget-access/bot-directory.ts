import type { BotRow, TenancyRepository, TenantRow } from '../tenancy/index.ts';

/**
 * Bots and their tenants as the widget API needs them on every request (origins for CORS, name,
 * persona, zones), cached per instance. A change to a bot row is announced by a trigger on NOTIFY
 * `concierge_bots` and dropped at once on every instance (chat event hub); `ttlMs` is the backstop.
 */
export interface BotEntry {
  bot: BotRow;
  tenant: TenantRow;
}

export class BotDirectory {
  private readonly byKey = new Map<string, { at: number; entry: Promise<BotEntry | undefined> }>();
  private readonly byId = new Map<string, { at: number; entry: Promise<BotEntry | undefined> }>();

  constructor(
    private readonly tenancy: TenancyRepository,
    private readonly ttlMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  findByKey(publicKey: string): Promise<BotEntry | undefined> {
    return this.cached(this.byKey, publicKey, async () => {
      const bot = await this.tenancy.findBotByPublicKey(publicKey);
      return bot ? this.withTenant(bot) : undefined;
    });
  }

  find(tenantId: string, botId: string): Promise<BotEntry | undefined> {
    return this.cached(this.byId, `${tenantId}:${botId}`, async () => {
      const bot = await this.tenancy.getBot(tenantId, botId);
      return bot ? this.withTenant(bot) : undefined;
    });
  }

  /** Forget one bot (its NOTIFY payload `tenant:id:publicKey`), or everything for '*'. */
  forget(payload: string): void {
    if (payload === '*') return this.clear();
    const [tenantId, botId, publicKey] = payload.split(':');
    if (tenantId && botId) this.byId.delete(`${tenantId}:${botId}`);
    if (publicKey) this.byKey.delete(publicKey);
  }

  /** Forget what is cached (tests, or a bot changed on this instance). */
  clear(): void {
    this.byKey.clear();
    this.byId.clear();
  }

  private async withTenant(bot: BotRow): Promise<BotEntry | undefined> {
    const tenant = await this.tenancy.getTenant(bot.tenant_id);
    return tenant ? { bot, tenant } : undefined;
  }

  private cached(map: Map<string, { at: number; entry: Promise<BotEntry | undefined> }>, key: string, load: () => Promise<BotEntry | undefined>) {
    const hit = map.get(key);
    const now = this.now();
    if (hit && now - hit.at < this.ttlMs) return hit.entry;
    const entry = load();
    map.set(key, { at: now, entry });
    entry.catch(() => map.delete(key));
    if (map.size > 20_000) map.delete(map.keys().next().value!);
    return entry;
  }
}

/** Whether a browser origin may use this bot (exact match of scheme, host and port). */
export function originAllowed(bot: Pick<BotRow, 'allowed_origins'>, origin: string | undefined): boolean {
  if (!origin) return false;
  return bot.allowed_origins.some((allowed) => allowed.replace(/\/+$/, '').toLowerCase() === origin.toLowerCase());
}
