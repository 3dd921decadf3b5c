import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmacSha256 } from '../../../../plugins/shopify/signatures.ts';
import {
  CUSTOMER_TOKEN_TTL_SECONDS,
  mintCustomerToken,
  needsRefresh,
  readCustomerToken,
  REFRESH_MARGIN_MS,
  secretsFromAnswer,
  signSessionToken,
  verifySessionToken,
} from '../../../../plugins/shopify/tokens.ts';

const app = { apiKey: 'key-1', apiSecret: 'secret-1' };
const NOW = 1_700_000_000_000;
const claims = (over: Record<string, unknown> = {}) => ({
  iss: 'https://a.myshopify.com/admin',
  dest: 'https://a.myshopify.com',
  aud: 'key-1',
  sub: '7',
  exp: NOW / 1000 + 60,
  nbf: NOW / 1000 - 1,
  iat: NOW / 1000 - 1,
  ...over,
});

describe('shopify tokens', () => {
  it('reads a token answer into secrets with absolute expiry times', () => {
    expect(secretsFromAnswer({ access_token: 'at', scope: 'read_products', expires_in: 3600, refresh_token: 'rt', refresh_token_expires_in: 7200 }, NOW)).toEqual({
      accessToken: 'at',
      scope: 'read_products',
      expiresAt: new Date(NOW + 3_600_000).toISOString(),
      refreshToken: 'rt',
      refreshTokenExpiresAt: new Date(NOW + 7_200_000).toISOString(),
    });
    expect(secretsFromAnswer({ access_token: 'at' }, NOW)).toEqual({ accessToken: 'at' });
    expect(() => secretsFromAnswer({ error: 'invalid_request' }, NOW)).toThrow(/access token/);
  });

  it('refreshes within the margin before expiry, never without a refresh token or expiry', () => {
    const expiresAt = new Date(NOW + REFRESH_MARGIN_MS + 1000).toISOString();
    expect(needsRefresh({ accessToken: 'a', refreshToken: 'r', expiresAt }, NOW)).toBe(false);
    expect(needsRefresh({ accessToken: 'a', refreshToken: 'r', expiresAt }, NOW + 1000)).toBe(true);
    expect(needsRefresh({ accessToken: 'a', refreshToken: 'r', expiresAt }, NOW + 2000)).toBe(true);
    expect(needsRefresh({ accessToken: 'a', expiresAt }, NOW + 10 * REFRESH_MARGIN_MS)).toBe(false);
    expect(needsRefresh({ accessToken: 'a', refreshToken: 'r' }, NOW)).toBe(false);
  });

  it('verifies an embedded-admin session token: signature, audience, time, shop', () => {
    expect(verifySessionToken(signSessionToken(claims(), app.apiSecret), app, NOW)).toEqual({ shop: 'a.myshopify.com', userId: '7' });
    expect(verifySessionToken(signSessionToken(claims({ aud: ['x', 'key-1'] }), app.apiSecret), app, NOW)?.shop).toBe('a.myshopify.com');
    expect(verifySessionToken(signSessionToken(claims({ sub: undefined }), app.apiSecret), app, NOW)).toEqual({ shop: 'a.myshopify.com' });
    expect(verifySessionToken(signSessionToken(claims(), 'other'), app, NOW)).toBeUndefined();
    expect(verifySessionToken(signSessionToken(claims({ aud: 'key-2' }), app.apiSecret), app, NOW)).toBeUndefined();
    expect(verifySessionToken(signSessionToken(claims({ exp: NOW / 1000 - 6 }), app.apiSecret), app, NOW)).toBeUndefined();
    expect(verifySessionToken(signSessionToken(claims({ exp: NOW / 1000 - 4 }), app.apiSecret), app, NOW)).toBeDefined();
    expect(verifySessionToken(signSessionToken(claims({ exp: undefined }), app.apiSecret), app, NOW)).toBeUndefined();
    expect(verifySessionToken(signSessionToken(claims({ nbf: NOW / 1000 + 6 }), app.apiSecret), app, NOW)).toBeUndefined();
    expect(verifySessionToken(signSessionToken(claims({ nbf: NOW / 1000 + 4 }), app.apiSecret), app, NOW)).toBeDefined();
    expect(verifySessionToken(signSessionToken(claims({ dest: 'https://evil.com' }), app.apiSecret), app, NOW)).toBeUndefined();
    expect(verifySessionToken(signSessionToken(claims({ dest: 'not a url' }), app.apiSecret), app, NOW)).toBeUndefined();
    expect(verifySessionToken(signSessionToken(claims({ iss: 'https://b.myshopify.com/admin' }), app.apiSecret), app, NOW)).toBeUndefined();
    expect(verifySessionToken('a.b', app, NOW)).toBeUndefined();
  });

  it('pins HS256: a token claiming another algorithm is refused even with a valid HMAC', () => {
    const head = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify(claims())).toString('base64url');
    const sig = createHmac('sha256', app.apiSecret).update(`${head}.${body}`).digest('base64url');
    expect(verifySessionToken(`${head}.${body}.${sig}`, app, NOW)).toBeUndefined();
    const garbage = Buffer.from('not json').toString('base64url');
    const sig2 = createHmac('sha256', app.apiSecret).update(`${garbage}.${body}`).digest('base64url');
    expect(verifySessionToken(`${garbage}.${body}.${sig2}`, app, NOW)).toBeUndefined();
  });

  it('mints a short-lived customer token bound to shop and secret', () => {
    const token = mintCustomerToken('s', { shop: 'a.myshopify.com', customerId: 'gid://shopify/Customer/42' }, NOW);
    expect(token).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(readCustomerToken('s', token, NOW)).toEqual({ shop: 'a.myshopify.com', customerId: 'gid://shopify/Customer/42' });
    expect(readCustomerToken('s', token, NOW + 299_000)).toBeDefined();
    expect(readCustomerToken('s', token, NOW + 301_000)).toBeUndefined();
    expect(readCustomerToken('other', token, NOW)).toBeUndefined();
    const [v, payload, sig] = token.split('.');
    const swapped = Buffer.from(JSON.stringify({ shop: 'a.myshopify.com', cid: 'gid://shopify/Customer/1', exp: NOW / 1000 + 100 })).toString('base64url');
    expect(readCustomerToken('s', `${v}.${swapped}.${sig}`, NOW)).toBeUndefined();
    expect(readCustomerToken('s', `v2.${payload}.${sig}`, NOW)).toBeUndefined();
    expect(readCustomerToken('s', 'forged.token.value', NOW)).toBeUndefined();
    expect(readCustomerToken('s', '', NOW)).toBeUndefined();
  });

  it('keeps only the parts of a token answer Shopify sent', () => {
    expect(secretsFromAnswer({ access_token: 'at', expires_in: 60 }, NOW)).toStrictEqual({ accessToken: 'at', expiresAt: new Date(NOW + 60_000).toISOString() });
    expect(secretsFromAnswer({ access_token: 'at', refresh_token_expires_in: 7200 }, NOW)).toStrictEqual({ accessToken: 'at' });
  });

  it('session tokens: exactly three parts, the leeway edges, an issuer only when given, a shop only from dest', () => {
    const now = NOW / 1000;
    const token = signSessionToken(claims(), app.apiSecret);
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(verifySessionToken(`${token}.extra`, app, NOW)).toBeUndefined();
    expect(verifySessionToken(signSessionToken(claims({ exp: now - 5 }), app.apiSecret), app, NOW)).toBeDefined();
    expect(verifySessionToken(signSessionToken(claims({ nbf: now + 5 }), app.apiSecret), app, NOW)).toBeDefined();
    expect(verifySessionToken(signSessionToken(claims({ nbf: String(now + 3600) }), app.apiSecret), app, NOW)).toBeDefined();
    expect(verifySessionToken(signSessionToken(claims({ iss: undefined }), app.apiSecret), app, NOW)).toEqual({ shop: 'a.myshopify.com', userId: '7' });
    expect(verifySessionToken(signSessionToken(claims({ iss: undefined, dest: 'https://evil.example.com' }), app.apiSecret), app, NOW)).toBeUndefined();
  });

  it('customer tokens: every signature survives the URL-safe alphabet, the expiry second itself is still valid, payload types are checked', () => {
    for (let i = 0; i < 40; i++) {
      const customer = { shop: 'a.myshopify.com', customerId: `gid://shopify/Customer/${i}` };
      expect(readCustomerToken('s', mintCustomerToken('s', customer, NOW), NOW), String(i)).toEqual(customer);
    }
    const token = mintCustomerToken('s', { shop: 'a.myshopify.com', customerId: 'c' }, NOW);
    const exp = Math.floor(NOW / 1000) + CUSTOMER_TOKEN_TTL_SECONDS;
    expect(readCustomerToken('s', token, exp * 1000)).toBeDefined();
    expect(readCustomerToken('s', token, exp * 1000 + 1)).toBeUndefined();
    expect(readCustomerToken('s', `${token}.extra`, NOW)).toBeUndefined();
    const signed = (data: unknown) => {
      const payload = Buffer.from(JSON.stringify(data)).toString('base64url');
      return `v1.${payload}.${hmacSha256('s', `customer.v1.${payload}`, 'base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')}`;
    };
    expect(readCustomerToken('s', signed({ shop: 'a.myshopify.com', cid: 'c', exp }), NOW)).toEqual({ shop: 'a.myshopify.com', customerId: 'c' });
    for (const data of [{ shop: 1, cid: 'c', exp }, { shop: 'a.myshopify.com', cid: 2, exp }, { shop: 'a.myshopify.com', cid: 'c', exp: String(exp) }, { cid: 'c', exp }]) {
      expect(readCustomerToken('s', signed(data), NOW), JSON.stringify(data)).toBeUndefined();
    }
  });
});
