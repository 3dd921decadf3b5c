import { createHash, randomBytes } from 'node:crypto';

/**
 * Opaque secrets (refresh tokens, API keys, invites, password resets): 256 random bits, stored
 * only as a SHA-256 hash. Those of tenant tables carry their tenant id (like bot keys, see
 * core/tenancy/keys.ts), so they are looked up inside that tenant and need no cross-tenant read.
 * A forged tenant part only moves the lookup to another tenant, where the hash does not exist.
 */
export type TenantTokenKind = 'crt' | 'cak' | 'cin';
export type GlobalTokenKind = 'cpr' | 'clu';

const RANDOM_BYTES = 32;
const TENANT_PART = 22; // 16 bytes of UUID in base64url
const RANDOM_PART = 43; // 32 bytes in base64url

export function newTenantToken(kind: TenantTokenKind, tenantId: string): string {
  const tenant = Buffer.from(tenantId.replace(/-/g, ''), 'hex').toString('base64url');
  return `${kind}_${tenant}${randomBytes(RANDOM_BYTES).toString('base64url')}`;
}

export function tenantOfToken(kind: TenantTokenKind, token: string): string | undefined {
  if (token.length !== kind.length + 1 + TENANT_PART + RANDOM_PART || !token.startsWith(`${kind}_`)) return undefined;
  const body = token.slice(kind.length + 1);
  if (!/^[A-Za-z0-9_-]+$/.test(body)) return undefined;
  const hex = Buffer.from(body.slice(0, TENANT_PART), 'base64url').toString('hex');
  if (hex.length !== 32) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function newGlobalToken(kind: GlobalTokenKind): string {
  return `${kind}_${randomBytes(RANDOM_BYTES).toString('base64url')}`;
}

export function isGlobalToken(kind: GlobalTokenKind, token: string): boolean {
  return token.length === kind.length + 1 + RANDOM_PART && token.startsWith(`${kind}_`) && /^[A-Za-z0-9_-]+$/.test(token.slice(kind.length + 1));
}

/** What the database keeps: enough to find a presented token, useless to present. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
