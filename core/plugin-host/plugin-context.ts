import { coreEventSchema, PluginError, type CoreEvent, type PluginContext } from '@concierge/plugin-sdk';
import type { SecretBox } from '../security/secret-box.ts';
import type { HostedPlugin } from './host.ts';
import type { InstallationRow, PluginStateRepository } from './plugin-state.repository.ts';

/** Where plugin events go (catalog sync, uninstall, privacy requests): the core's handler. */
export type CoreEventSink = (input: { tenantId: string; pluginId: string; externalId: string; event: CoreEvent }) => Promise<void>;

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
  const rawSecrets = installation.secrets_encrypted ? JSON.parse(deps.secrets.open(installation.secrets_encrypted)) : {};
  const secrets = manifest.secrets ? manifest.secrets.parse(rawSecrets) : rawSecrets;
  return {
    ...hosted.setupContext,
    logger: hosted.setupContext.logger,
    tenantId: installation.tenant_id,
    externalId: installation.external_id,
    config: config.data,
    secrets,
    kv: deps.repository.kv(installation.tenant_id, hosted.id),
    emit: async (event) => {
      const parsed = coreEventSchema.safeParse(event);
      if (!parsed.success) throw new PluginError('WEBHOOK_PAYLOAD_INVALID', `${hosted.id} emitted an invalid event: ${parsed.error.issues[0]?.message}`);
      await deps.sink({ tenantId: installation.tenant_id, pluginId: hosted.id, externalId: installation.external_id, event: parsed.data });
    },
  };
}
