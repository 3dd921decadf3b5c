import { randomBytes } from 'node:crypto';
import type { Role } from '../../core/accounts/accounts.repository.ts';
import type { Application } from '../../core/bootstrap.ts';

export interface TestMerchant {
  tenantId: string;
  userId: string;
  email: string;
  role: Role;
  token: string;
  /** Headers for fetch: bearer token + JSON. */
  headers: Record<string, string>;
}

/**
 * A tenant with one member, made through the real repositories, and an access token for it.
 * (The full signup/login flow has its own tests; most module tests only need a caller.)
 */
export async function createMerchant(application: Application, options: { role?: Role; tenantId?: string; storeName?: string; timeZone?: string } = {}): Promise<TestMerchant> {
  const { tenancy, accounts } = application.repositories;
  const tenantId = options.tenantId ?? (await tenancy.createTenant({ name: options.storeName ?? `Store ${randomBytes(3).toString('hex')}`, timeZone: options.timeZone ?? 'Europe/Berlin' })).id;
  const role = options.role ?? 'owner';
  const email = `${role}-${randomBytes(4).toString('hex')}@store.example`;
  // A precomputed hash keeps test set-up fast (bcrypt at 12 rounds costs ~250 ms).
  const user = await accounts.createMember(tenantId, { email, passwordHash: '$2b$04$invalidinvalidinvalidinuGJ5ZqL7lQz1Q3y1Xq0V4bYQ9wFh7y2', role });
  // A real session: the authenticator checks it on every request (sign-out, role changes apply at once).
  const { accessToken: token } = await application.accounts.issueSession(tenantId, user.id);
  return { tenantId, userId: user.id, email, role, token, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } };
}
