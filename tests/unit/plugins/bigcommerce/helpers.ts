import type { PluginContext } from '@concierge/plugin-sdk';
import { createTestContext } from '@concierge/plugin-sdk/testkit';
import type { BcStore, FakeBigCommerce } from '../../../fakes/bigcommerce/server.ts';

export const PUBLIC_URL = 'https://concierge.test';

export function settingsOf(fake: FakeBigCommerce) {
  return { clientId: fake.clientId, clientSecret: fake.clientSecret, apiUrl: fake.apiUrl, loginUrl: fake.loginUrl };
}

/** A context like the host builds for an installation of `store`. */
export function contextFor(fake: FakeBigCommerce, store: BcStore, secrets: Record<string, unknown>, extra: Partial<PluginContext<unknown, unknown, unknown>> = {}) {
  return createTestContext({
    pluginId: 'bigcommerce',
    publicUrl: PUBLIC_URL,
    settings: settingsOf(fake),
    externalId: store.hash,
    config: { storeHash: store.hash, currency: store.currency, domain: store.domain },
    secrets,
    ...extra,
  }) as never;
}
