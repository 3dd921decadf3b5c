import { randomBytes } from 'node:crypto';

/**
 * A bot's public key embeds its tenant id (`pk_<22 chars tenant><16 chars random>`), so a widget
 * request resolves its tenant without any cross-tenant lookup (design.md §4: ready for sharding).
 */
export function newBotPublicKey(tenantId: string): string {
  return `pk_${Buffer.from(tenantId.replace(/-/g, ''), 'hex').toString('base64url')}${randomBytes(12).toString('base64url')}`;
}

export function tenantIdFromBotKey(key: string): string | undefined {
  if (!/^pk_[A-Za-z0-9_-]{38}$/.test(key)) return undefined;
  const hex = Buffer.from(key.slice(3, 25), 'base64url').toString('hex');
  if (hex.length !== 32) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
