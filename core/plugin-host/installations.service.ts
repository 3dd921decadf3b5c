import { randomUUID } from 'node:crypto';
import { isIanaTimeZone } from '../wire/time-zone.ts';
import {
  isPluginError,
  PluginError,
  type InstallAccount,
  type InstallCallbackRequest,
  type InstallCompleteInput,
  type InstallResult,
  type InstallStep,
} from '@concierge/plugin-sdk';
import type { Logger } from 'pino';
import type { AccountsRepository } from '../accounts/index.ts';
import type { AuditAction, AuditRepository } from '../accounts/index.ts';
import { generatePassword, hashPassword } from '../accounts/index.ts';
import type { Database, Tx } from '../db/database.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { TenancyRepository } from '../tenancy/index.ts';
import type { HostedPlugin, PluginHost } from './host.ts';
import type { InstallStates } from './install-states.ts';
import { createPluginContext, type CoreEventSink } from './plugin-context.ts';
import { pluginHostErrors, PluginHostError } from './plugin-host.errors.ts';
import type { InstallationRow, PluginStateRepository } from './plugin-state.repository.ts';

/**
 * Install flows owned by the host (issue #10): state issue/check/consume, the plugin's begin /
 * verifyCallback / complete, storage with sealed secrets, a new store (tenant, owner, bot) for an
 * install that started at the platform, afterInstall, the catalog sync, and uninstall.
 */

export interface InstallationsDeps {
  db: Database;
  host: PluginHost;
  states: InstallStates;
  repository: PluginStateRepository;
  secrets: SecretBox;
  sink: CoreEventSink;
  tenancy: TenancyRepository;
  accounts: AccountsRepository;
  audit: AuditRepository;
  /** Sends the new owner the set-password mail (the password-reset machinery). */
  sendSetPasswordMail(email: string): void;
  /** A stored installation's catalog sync is due: nudge the worker. */
  syncQueued(): void;
  /** Bots' allowed origins changed (caches may drop them). */
  originsChanged(): void;
  logger: Logger;
  publicUrl: string;
  clock?: () => Date;
}

/** An HTTP answer the route writes. */
export type InstallAnswer = { status: 302; location: string } | { status: 200; body: unknown };

/** `https://shop.example` from "shop.example" or any URL; undefined for anything else. */
export function originOf(domain: string): string | undefined {
  const value = domain.trim();
  if (!value) return undefined;
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}

export class InstallationsService {
  private readonly clock: () => Date;

  constructor(private readonly deps: InstallationsDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  private installable(pluginId: string): HostedPlugin & { plugin: { install: NonNullable<HostedPlugin['plugin']['install']> } } {
    const hosted = this.deps.host.get(pluginId);
    if (!hosted?.plugin.install) throw pluginHostErrors.notInstallable(`No plugin "${pluginId}" can be installed here.`);
    return hosted as never;
  }

  callbackUrl(pluginId: string): string {
    return `${this.deps.publicUrl}/plugins/${pluginId}/auth/callback`;
  }

  /** `GET /plugins/:id/install` (platform) and `GET /plugins/:id/connect` (tenant). */
  async begin(
    pluginId: string,
    input: { origin: 'tenant' | 'platform'; tenantId?: string; query: Record<string, string>; rawQuery: string; /** A dashboard page a platform deep link names ("bookings"); checked by the route. */ page?: string },
  ): Promise<InstallAnswer> {
    const hosted = this.installable(pluginId);
    const state = await this.deps.states.issue({ pluginId, origin: input.origin, tenantId: input.origin === 'tenant' ? input.tenantId! : null });
    let step: InstallStep;
    try {
      step = await hosted.plugin.install.begin(hosted.setupContext, {
        origin: input.origin,
        tenantId: input.origin === 'tenant' ? input.tenantId : undefined,
        state,
        callbackUrl: this.callbackUrl(pluginId),
        params: input.query,
        rawQuery: input.rawQuery,
      });
    } catch (error) {
      await this.deps.states.consume(pluginId, state).catch(() => undefined);
      throw this.refusal(pluginId, error);
    }
    switch (step.kind) {
      case 'redirect':
        if (step.remember && Object.keys(step.remember).length > 0) await this.deps.states.remember(pluginId, state, step.remember);
        return { status: 302, location: step.url };
      case 'installed': {
        const binding = await this.deps.states.consume(pluginId, state);
        if (!binding) throw new PluginError('INSTALL_STATE_INVALID', 'the install state expired');
        const row = await this.store(hosted, binding.origin, binding.tenant_id ?? undefined, step.result);
        return this.finished(step.result, row);
      }
      case 'open-admin': {
        // The platform opens the app in its admin: install once (no active installation yet), then the embedded dashboard.
        const binding = await this.deps.states.consume(pluginId, state);
        if (!binding) throw new PluginError('INSTALL_STATE_INVALID', 'the install state expired');
        const existing = await this.deps.repository.findInstallationForAccount(pluginId, step.externalId, { fresh: true });
        if (existing?.status !== 'active') {
          let result: InstallResult;
          try {
            result = await step.install();
          } catch (error) {
            throw this.refusal(pluginId, error);
          }
          if (result.externalId !== step.externalId) throw this.refusal(pluginId, new Error('install() returned another account than it opened'));
          await this.store(hosted, binding.origin, binding.tenant_id ?? undefined, { ...result, redirectUrl: undefined });
        }
        return { status: 302, location: `/admin${input.page ? `/${input.page}` : ''}?${new URLSearchParams(step.dashboardQuery).toString()}` };
      }
      case 'snippet':
        await this.deps.states.consume(pluginId, state);
        return { status: 200, body: { status: 'snippet', html: step.html, instructions: step.instructions } };
      default:
        await this.deps.states.consume(pluginId, state);
        return { status: 200, body: { status: 'done' } };
    }
  }

  /** `GET|POST /plugins/:id/auth/callback`: nothing is stored unless every check passed. */
  async callback(pluginId: string, request: InstallCallbackRequest): Promise<InstallAnswer> {
    const hosted = this.installable(pluginId);
    const install = hosted.plugin.install;
    if (!install.complete) throw pluginHostErrors.notInstallable(`Plugin "${pluginId}" has no install callback.`);
    const stateInvalid = pluginHostErrors.installStateInvalid;
    let state: string | undefined;
    try {
      state = install.stateFrom ? install.stateFrom(request) : request.query.state;
    } catch {
      state = undefined;
    }
    const peeked = await this.deps.states.peek(pluginId, typeof state === 'string' ? state : undefined);
    if (!peeked) throw stateInvalid();
    const input: InstallCompleteInput = {
      origin: peeked.origin,
      tenantId: peeked.tenant_id ?? undefined,
      remembered: peeked.remembered ?? {},
      request,
      callbackUrl: this.callbackUrl(pluginId),
    };
    try {
      await install.verifyCallback?.(hosted.setupContext, input);
    } catch (error) {
      throw this.refusal(pluginId, error);
    }
    // Exactly one request, on any instance, gets past this line with this state.
    const binding = await this.deps.states.consume(pluginId, state);
    if (!binding) throw stateInvalid();
    let result: InstallResult;
    try {
      result = await install.complete(hosted.setupContext, input);
    } catch (error) {
      throw this.refusal(pluginId, error);
    }
    const row = await this.store(hosted, binding.origin, binding.tenant_id ?? undefined, result);
    return this.finished(result, row);
  }

  private finished(result: InstallResult, row: InstallationRow): InstallAnswer {
    if (result.redirectUrl) return { status: 302, location: result.redirectUrl };
    return { status: 200, body: { status: 'installed', installationId: row.id } };
  }

  /** What a failed plugin step is thrown as: its own PluginError (the routes map it), else PLUGIN_FAILED. */
  private refusal(pluginId: string, error: unknown): PluginError | PluginHostError {
    if (error instanceof PluginHostError || isPluginError(error)) return error;
    this.deps.logger.error({ err: error, pluginId }, 'plugin install step threw');
    return pluginHostErrors.pluginFailed(pluginId);
  }

  /**
   * Stores the installation: for a tenant-started install in that tenant; for a platform-started
   * one in the tenant the account is linked to, or in a new store made from `result.account`
   * (tenant, owner, bot, installation in one transaction). Then afterInstall and the sync.
   */
  async store(hosted: HostedPlugin, origin: 'tenant' | 'platform', boundTenantId: string | undefined, result: InstallResult): Promise<InstallationRow> {
    const { manifest } = hosted.plugin;
    const pluginId = hosted.id;
    if (typeof result?.externalId !== 'string' || result.externalId.trim() === '') throw this.refusal(pluginId, new Error('complete() returned no externalId'));
    const externalId = result.externalId.trim();
    const config = manifest.config ? manifest.config.safeParse(result.config ?? {}) : { success: true as const, data: result.config ?? {} };
    const secrets = manifest.secrets ? manifest.secrets.safeParse(result.secrets ?? {}) : { success: true as const, data: result.secrets ?? {} };
    if (!config.success || !secrets.success) throw this.refusal(pluginId, new Error('complete() returned config or secrets its manifest does not accept'));
    const sealed = this.deps.secrets.seal(JSON.stringify(secrets.data));
    const origins = [...new Set((result.account?.domains ?? []).map(originOf).filter((o): o is string => o !== undefined))];
    const queueSync = Boolean(hosted.plugin.catalog?.list);
    const existing = await this.deps.repository.findInstallationForAccount(pluginId, externalId);

    let tenantId: string;
    let created: { email: string; newUser: boolean } | undefined;
    let row: InstallationRow;
    if (origin === 'tenant') {
      tenantId = boundTenantId!;
      if (existing && existing.tenant_id !== tenantId && existing.status === 'active') {
        throw pluginHostErrors.accountTaken(pluginId);
      }
      row = await this.deps.db.tenant(tenantId, async (trx) => {
        const saved = await this.deps.repository.saveInstallationIn(trx, tenantId, { pluginId, externalId, config: config.data, secretsEncrypted: sealed, origins, queueSync });
        await this.addOrigins(trx, tenantId, origins, result.account);
        await this.audit(trx, tenantId, 'plugin.installed', { pluginId, externalId, origin });
        return saved;
      });
    } else if (existing) {
      tenantId = existing.tenant_id;
      row = await this.deps.db.tenant(tenantId, async (trx) => {
        const saved = await this.deps.repository.saveInstallationIn(trx, tenantId, { pluginId, externalId, config: config.data, secretsEncrypted: sealed, origins: origins.length ? origins : (existing.origins ?? []), queueSync });
        await this.addOrigins(trx, tenantId, saved.origins ?? origins, result.account);
        await this.audit(trx, tenantId, 'plugin.installed', { pluginId, externalId, origin, reinstall: true });
        return saved;
      });
    } else {
      const account = result.account;
      if (!account || !/^[^@\s]+@[^@\s]+$/.test(account.email ?? '') || !account.storeName?.trim()) {
        throw new PluginError('INSTALL_ACCOUNT_MISSING', `The ${pluginId} account gave no owner email and store name to create the store from.`);
      }
      tenantId = randomUUID();
      const email = account.email.trim().toLowerCase();
      const existingUser = await this.deps.accounts.findUserByEmail(email);
      const passwordHash = existingUser ? undefined : await hashPassword(generatePassword(32));
      row = await this.deps.db.tenant(tenantId, async (trx) => {
        await this.deps.tenancy.insertTenant(trx, { id: tenantId, name: account.storeName.trim().slice(0, 200), timeZone: validZone(account.timeZone), locale: shortLocale(account.locale) });
        const user = existingUser ?? (await this.deps.accounts.insertUser(trx, { email, passwordHash: passwordHash!, locale: shortLocale(account.locale) }));
        await this.deps.accounts.insertMembership(trx, tenantId, user.id, 'owner');
        await this.deps.tenancy.insertBot(trx, tenantId, {
          name: account.storeName.trim().slice(0, 80),
          allowedOrigins: origins,
          locale: shortLocale(account.locale),
          timeZone: validZone(account.timeZone),
        });
        const saved = await this.deps.repository.saveInstallationIn(trx, tenantId, { pluginId, externalId, config: config.data, secretsEncrypted: sealed, origins, queueSync });
        await this.audit(trx, tenantId, 'plugin.installed', { pluginId, externalId, origin, newStore: true }, user.id);
        return saved;
      });
      created = { email, newUser: !existingUser };
    }
    this.deps.logger.info({ pluginId, tenantId, installationId: row.id, origin, newStore: Boolean(created) }, 'plugin installed');
    if (created?.newUser) this.deps.sendSetPasswordMail(created.email);
    this.deps.originsChanged();

    if (hosted.plugin.install?.afterInstall) {
      try {
        await hosted.plugin.install.afterInstall(createPluginContext(hosted, row, this.deps));
      } catch (error) {
        this.deps.logger.warn({ err: error, pluginId, installationId: row.id }, 'afterInstall failed');
        await this.deps.repository.setInstallationError(tenantId, row.id, `afterInstall: ${(error as Error)?.message ?? String(error)}`);
      }
    }
    if (queueSync) this.deps.syncQueued();
    return (await this.deps.repository.getInstallation(tenantId, row.id)) ?? row;
  }

  /** The shop's origins join the store's bots (a store without a bot gets one). */
  private async addOrigins(trx: Tx, tenantId: string, origins: string[], account: InstallAccount | undefined): Promise<void> {
    if (origins.length === 0) return;
    const bots = await trx('bots').where({ tenant_id: tenantId }).select('id', 'allowed_origins');
    if (bots.length === 0) {
      const tenant = await trx('tenants').where({ id: tenantId }).first('name', 'locale', 'time_zone');
      await this.deps.tenancy.insertBot(trx, tenantId, { name: (account?.storeName ?? tenant?.name ?? 'Store').slice(0, 80), allowedOrigins: origins, locale: tenant?.locale, timeZone: tenant?.time_zone });
      return;
    }
    for (const bot of bots) {
      const merged = [...new Set([...(bot.allowed_origins as string[]), ...origins])];
      if (merged.length !== (bot.allowed_origins as string[]).length) await trx('bots').where({ tenant_id: tenantId, id: bot.id }).update({ allowed_origins: merged, updated_at: trx.fn.now() });
    }
  }

  private async audit(trx: Tx, tenantId: string, action: AuditAction, details: Record<string, unknown>, userId?: string): Promise<void> {
    await this.deps.audit.record(trx, tenantId, { action, actor: { userId: userId ?? null, email: 'system' }, details, at: this.clock() });
  }

  /**
   * Ends an installation (platform uninstall event, or the merchant's disconnect): the plugin's
   * `uninstall` (best effort), then secrets dropped, status `uninstalled`, and the shop's origins
   * taken from the store's bots (unless another active installation still brings them).
   */
  async uninstall(tenantId: string, installationId: string, reason: 'platform' | 'merchant', status: 'uninstalled' | 'redacted' = 'uninstalled'): Promise<InstallationRow | undefined> {
    const row = await this.deps.repository.getInstallation(tenantId, installationId);
    if (!row) return undefined;
    const hosted = this.deps.host.get(row.plugin_id);
    if (row.status !== 'uninstalled' && row.status !== 'redacted' && hosted?.plugin.install?.uninstall) {
      try {
        await hosted.plugin.install.uninstall(createPluginContext(hosted, row, this.deps), { reason });
      } catch (error) {
        this.deps.logger.warn({ err: error, pluginId: row.plugin_id, installationId }, 'plugin uninstall failed; the installation ends anyway');
      }
    }
    // Status, secrets and the bots' origins change together: no moment where one is done and not the other.
    await this.deps.db.tenant(tenantId, async (trx) => {
      await this.deps.repository.markUninstalledIn(trx, installationId, status);
      const stillActive = await trx('plugin_installations').where({ status: 'active' }).whereNot({ id: installationId }).select('origins');
      const kept = new Set(stillActive.flatMap((r) => r.origins as string[]));
      const gone = (row.origins ?? []).filter((o) => !kept.has(o));
      if (gone.length > 0) {
        await trx.raw(`UPDATE bots SET allowed_origins = ARRAY(SELECT o FROM unnest(allowed_origins) o WHERE NOT (o = ANY(?::text[]))), updated_at = now() WHERE tenant_id = ?`, [gone, tenantId]);
      }
      if (row.status !== 'uninstalled' && row.status !== 'redacted') await this.audit(trx, tenantId, 'plugin.uninstalled', { pluginId: row.plugin_id, externalId: row.external_id, reason });
    });
    this.deps.originsChanged();
    this.deps.logger.info({ pluginId: row.plugin_id, tenantId, installationId, reason }, 'plugin uninstalled');
    return row;
  }
}

function shortLocale(locale: string | undefined): string | undefined {
  const match = /^([a-z]{2})(?:[-_][A-Za-z]{2,4})?$/.exec(locale?.trim() ?? '');
  return match ? match[1] : undefined;
}

function validZone(zone: string | undefined): string | undefined {
  return zone && isIanaTimeZone(zone) ? zone : undefined;
}
