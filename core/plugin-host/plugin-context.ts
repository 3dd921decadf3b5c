import { coreEventSchema, PluginError, type CoreEvent, type PluginContext } from '@concierge/plugin-sdk';
import type { Statement } from '../db/database.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { HostedPlugin } from './host.ts';
import type { InstallationRow, PluginStateRepository } from './plugin-state.repository.ts';

/** One event a plugin emitted, with the installation it came from. */
export interface CoreEventInput {
  tenantId: string;
  pluginId: string;
  externalId: string;
  installationId?: string;
  event: CoreEvent;
}

/** Where plugin events go (catalog sync, uninstall, privacy requests): the core's handler. */
export type CoreEventSink = ((input: CoreEventInput) => Promise<void>) & {
  /**
   * The statement that applies the `product.upserted` events of many deliveries of one tenant at once
   * (a batch of a webhook burst, plugins.http.ts), sent in one transaction with their outcomes.
   * Absent: each event goes through the sink on its own.
   */
  productUpserts?: (tenantId: string, inputs: readonly (CoreEventInput & { installationId: string; event: Extract<CoreEvent, { type: 'product.upserted' }> })[]) => Statement<unknown[]>;
};

/** A plugin's event as the core takes it: validated, or a WEBHOOK_PAYLOAD_INVALID error naming the plugin. */
export function parseCoreEvent(pluginId: string, event: unknown): CoreEvent {
  const parsed = coreEventSchema.safeParse(event);
  if (!parsed.success) throw new PluginError('WEBHOOK_PAYLOAD_INVALID', `${pluginId} emitted an invalid event: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** Builds the per-tenant PluginContext: validated config, decrypted secrets, kv, emit. Never knex. */
export function createPluginContext(
  hosted: HostedPlugin,
  installation: InstallationRow,
  deps: { repository: PluginStateRepository; secrets: SecretBox; sink: CoreEventSink },
): PluginContext<unknown, unknown, unknown> {
  const { manifest } = hosted.plugin;
  const config = manifest.config ? manifest.config.safeParse(installation.config ?? {}) : { success: true as const, data: installation.config ?? {} };
  if (!config.success) {
    throw new PluginError('PLUGIN_CONFIG_INVALID', `stored config of ${hosted.id} for tenant ${installation.tenant_id} is invalid`, { pluginId: hosted.id });
  }
  const parseSecrets = (sealed: string | null): unknown => {
    // An uninstalled installation has no secrets left; its compliance webhooks verify with the app's settings.
    if (!sealed) return {};
    const raw = JSON.parse(deps.secrets.open(sealed));
    return manifest.secrets ? manifest.secrets.parse(raw) : raw;
  };
  const ctx: PluginContext<unknown, unknown, unknown> = {
    ...hosted.setupContext,
    logger: hosted.setupContext.logger,
    tenantId: installation.tenant_id,
    installationId: installation.id,
    externalId: installation.external_id,
    config: config.data,
    secrets: parseSecrets(installation.secrets_encrypted),
    // One refresh across instances: the row is locked while `update` runs; the others then read its result.
    rotateSecrets: async (update) => {
      const next = await deps.repository.withLockedSecrets(installation.tenant_id, installation.id, async (sealed) => {
        const current = parseSecrets(sealed);
        const replaced = await update(current);
        if (replaced === undefined) return { sealed: undefined, value: current };
        const valid = manifest.secrets ? manifest.secrets.parse(replaced) : replaced;
        return { sealed: deps.secrets.seal(JSON.stringify(valid)), value: valid };
      });
      ctx.secrets = next;
      return next;
    },
    kv: deps.repository.kv(installation.tenant_id, hosted.id),
    emit: async (event) => {
      await deps.sink({ tenantId: installation.tenant_id, pluginId: hosted.id, externalId: installation.external_id, installationId: installation.id, event: parseCoreEvent(hosted.id, event) });
    },
  };
  return ctx;
}
