import type { Logger } from 'pino';
import type { BatchOptions, Database, Tx } from '../db/database.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { LlmPort } from './llm.port.ts';
import { UsageTally } from './usage-tally.ts';

/**
 * Which model answers a tenant (issue #4): the tenant's own key (sealed with SecretBox purpose
 * 'tenant-llm-key', never returned), model and OpenAI-compatible base URL when set, else the
 * instance's configured provider, else the offline model. Past its monthly token budget a tenant
 * falls back to the offline model until the month ends.
 */

export const TENANT_LLM_KEY_PURPOSE = 'tenant-llm-key';

export interface TenantLlmState {
  apiKeyEncrypted: string | null;
  model: string | null;
  baseUrl: string | null;
  /** The budget in force: the store's own, else the instance default (null: unlimited). */
  monthlyTokenBudget: number | null;
  /** True when the store set none and the instance default applies. */
  budgetIsDefault: boolean;
  /** Prompt + completion tokens this calendar month (UTC). */
  usedThisMonth: number;
}

/** Share of the budget at which the merchant is warned once a month (issue 14). */
export const BUDGET_WARNING_SHARE = 0.8;

export interface LlmSettingsPatch {
  /** A new key; null removes it. */
  apiKey?: string | null;
  model?: string | null;
  baseUrl?: string | null;
  monthlyTokenBudget?: number | null;
}

/** First day of the month (UTC) as YYYY-MM-DD: the usage row's key. */
export const monthOf = (at: Date) => `${at.toISOString().slice(0, 7)}-01`;

/** A store's settings row and the month's usage (named bindings :tenantId, :month); one row even without settings. */
const SETTINGS_ROW = `SELECT s.api_key_encrypted, s.model, s.base_url, s.monthly_token_budget,
         (SELECT u.prompt_tokens + u.completion_tokens FROM llm_usage_monthly u WHERE u.tenant_id = :tenantId AND u.month = :month) AS used
  FROM (SELECT 1) one LEFT JOIN tenant_llm_settings s ON s.tenant_id = :tenantId`;

export class LlmSettingsRepository {
  private readonly usage: UsageTally;

  constructor(
    private readonly db: Database,
    private readonly secrets: SecretBox,
    /** A store without a budget of its own gets this one (config LLM_MONTHLY_TOKEN_BUDGET); null: unlimited. */
    readonly defaultMonthlyTokenBudget: number | null = null,
  ) {
    this.usage = new UsageTally(db);
  }

  /** Settings and this month's usage in one statement (inside the caller's unit of work). */
  async state(trx: Tx, tenantId: string, now: Date): Promise<TenantLlmState> {
    const { rows } = await trx.raw<{ rows: Record<string, unknown>[] }>(SETTINGS_ROW, { tenantId, month: monthOf(now) });
    return LlmSettingsRepository.fromRow(rows[0] ?? {}, this.defaultMonthlyTokenBudget);
  }

  /** The settings row and this month's usage, in one round trip (the row `fromRow` reads). */
  async row(tenantId: string, now: Date): Promise<Record<string, unknown>> {
    const { rows } = await this.db.tenantBatch(tenantId, (knex) => ({
      rows: knex.raw<Record<string, unknown>[]>(SETTINGS_ROW, { tenantId, month: monthOf(now) }),
    }));
    return rows[0] ?? {};
  }

  /** A settings row (columns of tenant_llm_settings plus `used`) as the state the resolver reads. */
  static fromRow(row: Record<string, unknown>, defaultBudget: number | null = null): TenantLlmState {
    const own = row.monthly_token_budget === null || row.monthly_token_budget === undefined ? null : Number(row.monthly_token_budget);
    return {
      apiKeyEncrypted: (row.api_key_encrypted as string | null) ?? null,
      model: (row.model as string | null) ?? null,
      baseUrl: (row.base_url as string | null) ?? null,
      monthlyTokenBudget: own ?? defaultBudget,
      budgetIsDefault: own === null,
      usedThisMonth: Number(row.used ?? 0),
    };
  }

  get(tenantId: string, now: Date): Promise<TenantLlmState> {
    return this.db.tenant(tenantId, (trx) => this.state(trx, tenantId, now));
  }

  async update(tenantId: string, patch: LlmSettingsPatch, now: Date): Promise<TenantLlmState> {
    return this.db.tenant(tenantId, async (trx) => {
      const changes: Record<string, unknown> = {};
      if (patch.apiKey !== undefined) changes.api_key_encrypted = patch.apiKey === null ? null : this.secrets.seal(patch.apiKey);
      if (patch.model !== undefined) changes.model = patch.model;
      if (patch.baseUrl !== undefined) changes.base_url = patch.baseUrl;
      if (patch.monthlyTokenBudget !== undefined) changes.monthly_token_budget = patch.monthlyTokenBudget;
      await trx('tenant_llm_settings')
        .insert({ tenant_id: tenantId, ...changes })
        .onConflict('tenant_id')
        .merge({ ...changes, updated_at: trx.fn.now() });
      return this.state(trx, tenantId, now);
    });
  }

  /**
   * Adds a turn's tokens to the store's month: never inside a longer transaction (a hot row), summed
   * with the other turns' additions of the moment (core/chat/usage-tally.ts). `durable: false` does
   * not wait for the disk (see AssistantWriter.complete).
   */
  async addUsage(tenantId: string, usage: { promptTokens: number; completionTokens: number }, at: Date, options: BatchOptions = {}): Promise<void> {
    const prompt = Math.max(0, Math.round(usage.promptTokens));
    const completion = Math.max(0, Math.round(usage.completionTokens));
    if (prompt === 0 && completion === 0) return;
    await this.usage.add(tenantId, monthOf(at), prompt, completion, options.durable !== false);
  }

  openKey(sealed: string): string {
    return this.secrets.open(sealed);
  }
}

export interface LlmChoice {
  llm: LlmPort;
  /** Per-request overrides for the adapter. */
  model?: string | undefined;
  apiKey?: string | undefined;
  /** The model name for records and analytics ("offline" for the offline model). */
  modelName: string;
  /** Why this adapter: the tenant's own provider, the instance default, offline, or budget exhausted. */
  reason: 'tenant' | 'default' | 'offline' | 'budget';
}

export interface LlmResolverOptions {
  offline: LlmPort;
  /** The configured provider with the instance's key; absent when no key is configured. */
  defaultLlm?: LlmPort | undefined;
  /** An OpenAI-compatible adapter for a tenant's base URL (or the configured one when undefined). */
  openAiFor?: ((baseUrl: string | undefined) => LlmPort) | undefined;
  openKey: (sealed: string) => string;
  /** The configured model (OPENAI_MODEL), used when a tenant sets none. */
  defaultModel?: string | undefined;
  logger: Logger;
}

export class LlmResolver {
  private readonly byBaseUrl = new Map<string, LlmPort>();
  private readonly budgetLogged = new Set<string>();

  constructor(private readonly options: LlmResolverOptions) {}

  get offline(): LlmPort {
    return this.options.offline;
  }

  /** Which provider would answer, without side effects (settings view). */
  describe(state: TenantLlmState): LlmChoice['reason'] {
    if (state.monthlyTokenBudget !== null && state.usedThisMonth >= state.monthlyTokenBudget) return 'budget';
    if (state.apiKeyEncrypted && this.options.openAiFor) return 'tenant';
    return this.options.defaultLlm ? 'default' : 'offline';
  }

  choose(tenantId: string, state: TenantLlmState, now: Date): LlmChoice {
    if (state.monthlyTokenBudget !== null && state.usedThisMonth >= state.monthlyTokenBudget) {
      const key = `${tenantId}:${monthOf(now)}`;
      if (!this.budgetLogged.has(key)) {
        this.budgetLogged.add(key);
        this.options.logger.warn(
          { tenantId, used: state.usedThisMonth, budget: state.monthlyTokenBudget },
          'tenant is past its monthly token budget: answering with the offline model until the month ends',
        );
      }
      return { llm: this.options.offline, modelName: this.options.offline.name, reason: 'budget' };
    }
    if (state.apiKeyEncrypted && this.options.openAiFor) {
      try {
        const apiKey = this.options.openKey(state.apiKeyEncrypted);
        const model = state.model ?? undefined;
        return { llm: this.adapterFor(state.baseUrl ?? undefined), apiKey, model, modelName: model ?? this.options.defaultModel ?? 'openai', reason: 'tenant' };
      } catch (error) {
        this.options.logger.error({ err: error, tenantId }, 'the tenant LLM key cannot be decrypted; using the default model');
      }
    }
    // A tenant base URL without a tenant key is ignored: the instance's key never goes to a server the tenant chose.
    if (this.options.defaultLlm) {
      const model = state.model ?? undefined;
      return { llm: this.options.defaultLlm, model, modelName: model ?? this.options.defaultModel ?? this.options.defaultLlm.name, reason: 'default' };
    }
    return { llm: this.options.offline, modelName: this.options.offline.name, reason: 'offline' };
  }

  private adapterFor(baseUrl: string | undefined): LlmPort {
    const key = baseUrl ?? '';
    let llm = this.byBaseUrl.get(key);
    if (!llm) {
      llm = this.options.openAiFor!(baseUrl);
      if (this.byBaseUrl.size >= 200) this.byBaseUrl.delete(this.byBaseUrl.keys().next().value!);
      this.byBaseUrl.set(key, llm);
    }
    return llm;
  }
}
