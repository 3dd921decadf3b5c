import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LEEWAY_SECONDS, verifySignedPayload } from '../../../../plugins/bigcommerce/signed-payload.ts';

const app = { clientId: 'client-abc', clientSecret: 'secret-xyz' };
const now = 1_800_000_000;
const part = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
function jwt(claims: Record<string, unknown> | string, options: { secret?: string; header?: unknown } = {}): string {
  const header = part(options.header ?? { typ: 'JWT', alg: 'HS256' });
  const payload = part(claims);
  const sig = createHmac('sha256', options.secret ?? app.clientSecret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${sig}`;
}
const good = { aud: app.clientId, iss: 'bc', iat: now, nbf: now - 5, exp: now + 3600, sub: 'stores/abc123', user: { id: 1, email: 'u@x.test', locale: 'en' }, owner: { id: 2, email: 'o@x.test' }, channel_id: 1 };

describe('BigCommerce signed_payload_jwt', () => {
  it('accepts a token signed with the client secret for this app and returns the store and users', () => {
    expect(verifySignedPayload(jwt(good), app, now)).toEqual({ storeHash: 'abc123', user: good.user, owner: good.owner, channelId: 1 });
  });

  it('leaves out owner and channel when BigCommerce did not send them', () => {
    const { owner: _o, channel_id: _c, ...rest } = good;
    expect(verifySignedPayload(jwt(rest), app, now)).toEqual({ storeHash: 'abc123', user: good.user });
    expect(verifySignedPayload(jwt({ ...rest, channel_id: null }), app, now)).toEqual({ storeHash: 'abc123', user: good.user, channelId: null });
  });

  it('refuses another secret, another audience, another issuer, a changed payload', () => {
    expect(verifySignedPayload(jwt(good, { secret: 'other' }), app, now)).toBeUndefined();
    expect(verifySignedPayload(jwt({ ...good, aud: 'another-app' }), app, now)).toBeUndefined();
    expect(verifySignedPayload(jwt({ ...good, iss: 'not-bc' }), app, now)).toBeUndefined();
    const [h, , s] = jwt(good).split('.');
    expect(verifySignedPayload(`${h}.${part({ ...good, sub: 'stores/evil1' })}.${s}`, app, now)).toBeUndefined();
    expect(verifySignedPayload(jwt(good), { ...app, clientSecret: '' }, now)).toBeUndefined();
  });

  it('refuses alg none and other algorithms, and malformed tokens', () => {
    expect(verifySignedPayload(jwt(good, { header: { alg: 'none' } }), app, now)).toBeUndefined();
    expect(verifySignedPayload(jwt(good, { header: { alg: 'HS512' } }), app, now)).toBeUndefined();
    expect(verifySignedPayload(jwt(good, { header: 'not json' }), app, now)).toBeUndefined();
    expect(verifySignedPayload(jwt(good, { header: [1] }), app, now)).toBeUndefined();
    expect(verifySignedPayload(jwt('plain string payload'), app, now)).toBeUndefined();
    expect(verifySignedPayload(undefined, app, now)).toBeUndefined();
    expect(verifySignedPayload('a.b', app, now)).toBeUndefined();
    expect(verifySignedPayload(`${jwt(good)}.extra`, app, now)).toBeUndefined();
  });

  it('checks expiry and not-before with a small leeway', () => {
    expect(verifySignedPayload(jwt({ ...good, exp: now - LEEWAY_SECONDS }), app, now)).toBeDefined();
    expect(verifySignedPayload(jwt({ ...good, exp: now - LEEWAY_SECONDS - 1 }), app, now)).toBeUndefined();
    expect(verifySignedPayload(jwt({ ...good, exp: undefined }), app, now)).toBeUndefined();
    expect(verifySignedPayload(jwt({ ...good, nbf: now + LEEWAY_SECONDS }), app, now)).toBeDefined();
    expect(verifySignedPayload(jwt({ ...good, nbf: now + LEEWAY_SECONDS + 1 }), app, now)).toBeUndefined();
    expect(verifySignedPayload(jwt({ ...good, nbf: undefined }), app, now)).toBeDefined();
    expect(LEEWAY_SECONDS).toBe(60);
    // The default clock is now: a token that expired an hour ago is refused without a `now`.
    expect(verifySignedPayload(jwt({ ...good, nbf: undefined, exp: Math.floor(Date.now() / 1000) - 3600 }), app)).toBeUndefined();
    expect(verifySignedPayload(jwt({ ...good, nbf: undefined, exp: Math.floor(Date.now() / 1000) + 60 }), app)).toBeDefined();
  });

  it('needs a store subject and a user email', () => {
    expect(verifySignedPayload(jwt({ ...good, sub: 'abc123' }), app, now)).toBeUndefined();
    expect(verifySignedPayload(jwt({ ...good, sub: 'stores/ABC' }), app, now)).toBeUndefined();
    expect(verifySignedPayload(jwt({ ...good, sub: 'stores/abc/x' }), app, now)).toBeUndefined();
    expect(verifySignedPayload(jwt({ ...good, sub: 'xstores/abc' }), app, now)).toBeUndefined();
    expect(verifySignedPayload(jwt({ ...good, user: { id: 1 } }), app, now)).toBeUndefined();
    expect(verifySignedPayload(jwt({ ...good, user: undefined }), app, now)).toBeUndefined();
  });
});
