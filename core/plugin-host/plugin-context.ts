import { coreEventSchema, PluginError, type CoreEvent, type PluginContext } from '@concierge/plugin-sdk';
import type { SecretBox } from '../security/secret-box.ts';
import type { HostedPlugin } from './host.ts';
import type { InstallationRow, PluginStateRepository } from './plugin-state.repository.ts';

/** Where plugin events go (catalog sync, uninstall, privacy requests): the core's handler. */
export type CoreEventSink = (input: { tenantId: string; pluginId: string; externalId: string; installationId?: string; event: CoreEvent }) => Promise<void>;

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
      const parsed = coreEventSchema.safeParse(event);
      if (!parsed.success) throw new PluginError('WEBHOOK_PAYLOAD_INVALID', `${hosted.id} emitted an invalid event: ${parsed.error.issues[0]?.message}`);
      await deps.sink({ tenantId: installation.tenant_id, pluginId: hosted.id, externalId: installation.external_id, installationId: installation.id, event: parsed.data });
    },
  };
  return ctx;
}
