import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPluginError, type InstallBeginInput, type PluginSetupContext } from '@concierge/plugin-sdk';
import { testHttpClient } from '@concierge/plugin-sdk/testkit';
import plugin, { SECRET_HEADER, WEBHOOK_SCOPES, authCallbackUrl } from '../../../../plugins/bigcommerce/index.ts';
import { startFakeBigCommerce, type BcStore, type FakeBigCommerce } from '../../../fakes/bigcommerce/server.ts';
import { seedStore } from '../../../fakes/bigcommerce/seed.ts';
import { PUBLIC_URL, contextFor, settingsOf } from './helpers.ts';

let fake: FakeBigCommerce;
let store: BcStore;
beforeAll(async () => {
  fake = await startFakeBigCommerce();
  store = seedStore(fake, 'inst01', 3);
});
afterAll(() => fake.close());

const setupContext = (settings: Record<string, unknown> = settingsOf(fake), environment: PluginSetupContext['environment'] = 'test'): PluginSetupContext<never> =>
  ({ pluginId: 'bigcommerce', logger: { debug() {}, info() {}, warn() {}, error() {} }, settings, http: testHttpClient(), publicUrl: `${PUBLIC_URL}/`, environment }) as never;
const beginInput = (params: Record<string, string>): InstallBeginInput => ({ origin: 'platform', state: 'st_1', callbackUrl: `${PUBLIC_URL}/plugins/bigcommerce/auth/callback`, params, rawQuery: new URLSearchParams(params).toString() });
const install = plugin.install!;
async function codeOf(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
    return 'resolved';
  } catch (error) {
    return isPluginError(error) ? error.code : `other: ${(error as Error).message}`;
  }
}

describe('BigCommerce install: the auth callback', () => {
  it('exchanges the code at /oauth2/token and finishes with the store as the installation', async () => {
    const redirect = authCallbackUrl(setupContext());
    expect(redirect).toBe(`${PUBLIC_URL}/plugins/bigcommerce/install`);
    const grant = fake.authorize(store.hash, redirect);
    const step = await install.begin(setupContext(), beginInput(grant));
    expect(step.kind).toBe('installed');
    const result = (step as Extract<typeof step, { kind: 'installed' }>).result;
    expect(fake.tokenRequests.at(-1)).toEqual({ client_id: fake.clientId, client_secret: '[present]', code: grant.code, scope: grant.scope, grant_type: 'authorization_code', redirect_uri: redirect, context: `stores/${store.hash}` });
    const token = [...fake.tokens].find(([, hash]) => hash === store.hash)![0];
    expect(result).toEqual({
      externalId: store.hash,
      config: { storeHash: store.hash, currency: 'GBP', domain: store.domain },
      secrets: { accessToken: token },
      account: { email: store.ownerEmail, storeName: 'Harbour Goods', domains: [store.domain], currency: 'GBP', locale: 'en', timeZone: 'Europe/London' },
      redirectUrl: `${PUBLIC_URL}/admin/`,
    });
    // The code is single-use at BigCommerce: a replay is refused, nothing is installed.
    expect(await codeOf(() => install.begin(setupContext(), beginInput(grant)))).toBe('INSTALL_REQUEST_INVALID');
  });

  it('refuses a request without code, scope or a store context, before calling BigCommerce', async () => {
    const before = fake.tokenRequests.length;
    const grant = fake.authorize(store.hash, authCallbackUrl(setupContext()));
    for (const params of [{}, { ...grant, code: '' }, { ...grant, scope: '' }, { code: grant.code, scope: grant.scope }, { ...grant, context: 'stores/' }, { ...grant, context: 'stores/ABC' }, { ...grant, context: `x/stores/${store.hash}` }, { ...grant, context: `stores/${store.hash}/x` }]) {
      expect(await codeOf(() => install.begin(setupContext(), beginInput(params as Record<string, string>))), JSON.stringify(params)).toBe('INSTALL_REQUEST_INVALID');
    }
    expect(fake.tokenRequests.length).toBe(before);
  });

  it('refuses a code for another store, a wrong client secret, and a token for another context', async () => {
    const other = fake.addStore({ hash: 'other9', name: 'Other', domain: 'other.test', ownerEmail: 'o@other.test' });
    const grant = fake.authorize(other.hash, authCallbackUrl(setupContext()));
    expect(await codeOf(() => install.begin(setupContext(), beginInput({ ...grant, context: `stores/${store.hash}` })))).toBe('INSTALL_REQUEST_INVALID');
    const second = fake.authorize(store.hash, authCallbackUrl(setupContext()));
    expect(await codeOf(() => install.begin(setupContext({ ...settingsOf(fake), clientSecret: 'wrong' }), beginInput(second)))).toBe('INSTALL_REQUEST_INVALID');
    // The redirect_uri must be the one registered: the fake binds codes to it.
    const elsewhere = fake.authorize(store.hash, 'https://elsewhere.test/auth');
    expect(await codeOf(() => install.begin(setupContext(), beginInput(elsewhere)))).toBe('INSTALL_REQUEST_INVALID');
  });

  it('an unreachable login host is retryable', async () => {
    const grant = fake.authorize(store.hash, authCallbackUrl(setupContext()));
    expect(await codeOf(() => install.begin(setupContext({ ...settingsOf(fake), loginUrl: 'http://127.0.0.1:9' }), beginInput(grant)))).toBe('UPSTREAM_RETRYABLE');
  });

  it('reads the store with the new token; a store BigCommerce does not describe fails the install', async () => {
    const grant = fake.authorize(store.hash, authCallbackUrl(setupContext()));
    expect(await codeOf(() => install.begin(setupContext({ ...settingsOf(fake), apiUrl: `${fake.apiUrl}/nowhere` }), beginInput(grant)))).toBe('UPSTREAM_FAILED');
  });
});

describe('BigCommerce install: the load callback (signed_payload_jwt)', () => {
  it('opens the dashboard for a genuine payload', async () => {
    const step = await install.begin(setupContext(), beginInput({ signed_payload_jwt: fake.signedPayloadJwt(store.hash) }));
    expect(step).toEqual({ kind: 'redirect', url: `${PUBLIC_URL}/admin/` });
  });

  it('refuses a payload signed with another secret, for another app, expired, or empty', async () => {
    for (const jwt of [fake.signedPayloadJwt(store.hash, { secret: 'not-the-client-secret' }), fake.signedPayloadJwt(store.hash, { aud: 'another-app' }), fake.signedPayloadJwt(store.hash, { expiresIn: -3600 }), '']) {
      expect(await codeOf(() => install.begin(setupContext(), beginInput({ signed_payload_jwt: jwt })))).toBe('INSTALL_REQUEST_INVALID');
    }
  });
});

describe('BigCommerce install: webhooks registration and uninstall', () => {
  it('afterInstall stores a fresh secret first, then registers one hook per scope with it in a custom header; again replaces them', async () => {
    const token = fake.issueToken(store.hash);
    const foreign = { id: 1, scope: 'store/order/created', destination: 'https://someone-else.test/hook', is_active: true, headers: null };
    store.hooks.set(foreign.id, foreign);
    const ctx = contextFor(fake, store, { accessToken: token }) as { secrets: { webhookSecret?: string } };
    await install.afterInstall!(ctx as never);
    const secret = ctx.secrets.webhookSecret!;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const ours = () => [...store.hooks.values()].filter((h) => h.destination === `${PUBLIC_URL}/webhooks/bigcommerce`);
    expect(ours().map((h) => h.scope).sort()).toEqual([...WEBHOOK_SCOPES].sort());
    for (const hook of ours()) expect(hook).toMatchObject({ is_active: true, headers: { [SECRET_HEADER]: secret } });

    await install.afterInstall!(ctx as never);
    expect(ctx.secrets.webhookSecret).not.toBe(secret);
    expect(ours()).toHaveLength(WEBHOOK_SCOPES.length);
    expect(new Set(ours().map((h) => h.headers![SECRET_HEADER]))).toEqual(new Set([ctx.secrets.webhookSecret]));

    await install.uninstall!(ctx as never, { reason: 'merchant' });
    expect(ours()).toEqual([]);
    expect(store.hooks.get(1)).toEqual(foreign);
  });

  it('a refused token fails afterInstall with UPSTREAM_AUTH (the host records it)', async () => {
    expect(await codeOf(() => install.afterInstall!(contextFor(fake, store, { accessToken: 'revoked' })))).toBe('UPSTREAM_AUTH');
  });
});

describe('BigCommerce setup', () => {
  it('refuses http API or login hosts in production only', () => {
    const https = { ...settingsOf(fake), apiUrl: 'https://api.bigcommerce.com', loginUrl: 'https://login.bigcommerce.com' };
    expect(() => plugin.setup!(setupContext(https, 'production'))).not.toThrow();
    expect(() => plugin.setup!(setupContext({ ...https, apiUrl: fake.apiUrl }, 'production'))).toThrow(/https in production/);
    expect(() => plugin.setup!(setupContext({ ...https, loginUrl: fake.loginUrl }, 'production'))).toThrow(/https in production/);
    expect(() => plugin.setup!(setupContext(settingsOf(fake), 'development'))).not.toThrow();
  });

  it('defaults to BigCommerce\'s own hosts', () => {
    const parsed = plugin.manifest.settings!.parse({ clientId: 'a', clientSecret: 'b' });
    expect(parsed).toEqual({ clientId: 'a', clientSecret: 'b', apiUrl: 'https://api.bigcommerce.com', loginUrl: 'https://login.bigcommerce.com' });
    expect(plugin.manifest.settings!.safeParse({ clientId: '', clientSecret: 'b' }).success).toBe(false);
    expect(plugin.manifest.config!.safeParse({ storeHash: 'Bad Hash', domain: 'x' }).success).toBe(false);
    expect(plugin.manifest.config!.parse({ storeHash: 'abc', domain: 'x' })).toEqual({ storeHash: 'abc', currency: 'USD', domain: 'x' });
  });
});
