import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashToken, isGlobalToken, newGlobalToken, newTenantToken, tenantOfToken } from '../../../core/accounts/opaque-tokens.ts';

describe('opaque tokens', () => {
  it('carry their tenant id and kind, and nothing else can be read from them', () => {
    const tenantId = randomUUID();
    const token = newTenantToken('crt', tenantId);
    expect(token).toMatch(/^crt_[A-Za-z0-9_-]{65}$/);
    expect(tenantOfToken('crt', token)).toBe(tenantId);
    expect(tenantOfToken('cak', token)).toBeUndefined();
    expect(tenantOfToken('crt', `${token}x`)).toBeUndefined();
    expect(tenantOfToken('crt', token.replace(/.$/, '!'))).toBeUndefined();
    expect(tenantOfToken('crt', 'crt_')).toBeUndefined();
  });

  it('are unique and stored as a SHA-256 hash that differs from the token', () => {
    const tenantId = randomUUID();
    const a = newTenantToken('cin', tenantId);
    const b = newTenantToken('cin', tenantId);
    expect(a).not.toBe(b);
    expect(hashToken(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(a)).toBe(hashToken(a));
    expect(hashToken(a)).not.toBe(hashToken(b));
  });

  it('global tokens have their own kind check', () => {
    const token = newGlobalToken('cpr');
    expect(isGlobalToken('cpr', token)).toBe(true);
    expect(isGlobalToken('cpr', token.slice(1))).toBe(false);
    expect(isGlobalToken('cpr', newTenantToken('crt', randomUUID()))).toBe(false);
  });
});
