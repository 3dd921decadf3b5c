import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { AccessTokens } from '../../../core/accounts/tokens.ts';

const key = Buffer.alloc(32, 7);
const claims = { sub: '11111111-1111-4111-8111-111111111111', tid: '22222222-2222-4222-8222-222222222222', role: 'owner' as const, sid: '33333333-3333-4333-8333-333333333333' };
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('access tokens (HS256 pinned)', () => {
  it('round-trips the claims, session id included', () => {
    const tokens = new AccessTokens(key);
    expect(tokens.verify(tokens.sign(claims))).toEqual(claims);
    expect(JSON.parse(Buffer.from(tokens.sign(claims).split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'HS256' });
  });

  it('refuses alg "none"', () => {
    const tokens = new AccessTokens(key);
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, iat: now, exp: now + 600, iss: 'concierge', aud: 'concierge-api' })}.`;
    expect(tokens.verify(unsigned)).toBeUndefined();
  });

  it('refuses another key and another HMAC algorithm with the same key', () => {
    const tokens = new AccessTokens(key);
    const opts = { issuer: 'concierge', audience: 'concierge-api', expiresIn: 600 } as const;
    expect(tokens.verify(jwt.sign(claims, Buffer.alloc(32, 8), { ...opts, algorithm: 'HS256' }))).toBeUndefined();
    expect(tokens.verify(jwt.sign(claims, key, { ...opts, algorithm: 'HS512' }))).toBeUndefined();
    expect(tokens.verify(jwt.sign(claims, key, { ...opts, algorithm: 'HS256' }))).toEqual(claims);
  });

  it('refuses an expired token, by the injected clock', () => {
    let now = new Date('2026-11-22T10:00:00Z');
    const tokens = new AccessTokens(key, () => now);
    const token = tokens.sign(claims, 60);
    now = new Date('2026-11-22T10:00:59Z');
    expect(tokens.verify(token)).toEqual(claims);
    now = new Date('2026-11-22T10:01:01Z');
    expect(tokens.verify(token)).toBeUndefined();
  });

  it('refuses a tampered payload', () => {
    const tokens = new AccessTokens(key);
    const [header, payload, signature] = tokens.sign({ ...claims, role: 'agent' }).split('.');
    const raised = b64({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'owner' });
    expect(tokens.verify(`${header}.${raised}.${signature}`)).toBeUndefined();
  });

  it('refuses a foreign issuer or audience and a malformed role', () => {
    const tokens = new AccessTokens(key);
    expect(tokens.verify(jwt.sign(claims, key, { algorithm: 'HS256', issuer: 'shopify', audience: 'concierge-api', expiresIn: 60 }))).toBeUndefined();
    expect(tokens.verify(jwt.sign(claims, key, { algorithm: 'HS256', issuer: 'concierge', audience: 'other', expiresIn: 60 }))).toBeUndefined();
    expect(tokens.verify(jwt.sign({ ...claims, role: 'root' }, key, { algorithm: 'HS256', issuer: 'concierge', audience: 'concierge-api', expiresIn: 60 }))).toBeUndefined();
    expect(tokens.verify('not.a.jwt')).toBeUndefined();
  });

  it('keeps a verified token until it expires, and verifies any other byte string afresh', () => {
    let now = new Date('2026-11-22T10:00:00Z');
    const tokens = new AccessTokens(key, () => now);
    const token = tokens.sign(claims, 60);
    expect(tokens.verify(token)).toEqual(claims);
    const [header, payload, signature] = token.split('.');
    const raised = b64({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'admin' });
    expect(tokens.verify(`${header}.${raised}.${signature}`)).toBeUndefined();
    expect(tokens.verify(`${token}x`)).toBeUndefined();
    expect(tokens.verify(token)).toEqual(claims);
    now = new Date('2026-11-22T10:01:00Z');
    expect(tokens.verify(token)).toBeUndefined();
  });
});
