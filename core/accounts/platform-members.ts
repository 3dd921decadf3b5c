import type { AccountsRepository, Role } from './accounts.repository.ts';
import type { PlatformCaller } from './authenticator.ts';

/**
 * Whom a platform admin's verified session token acts as (decision 0019): the store's first owner,
 * with at most the admin role (never owner-only rights from inside the platform), read on every
 * request like any session's role, so a store without an owner refuses at once.
 */
export const PLATFORM_SESSION_ROLE: Role = 'admin';

export interface VerifiedPlatformSession {
  tenantId: string;
  pluginId: string;
  externalId: string;
  platformUserId: string | null;
}

export async function platformCaller(accounts: Pick<AccountsRepository, 'firstOwner'>, session: VerifiedPlatformSession | undefined): Promise<PlatformCaller | undefined> {
  if (!session) return undefined;
  const owner = await accounts.firstOwner(session.tenantId);
  if (!owner) return undefined;
  return {
    tenantId: session.tenantId,
    userId: owner.userId,
    role: PLATFORM_SESSION_ROLE,
    platform: { pluginId: session.pluginId, externalId: session.externalId, userId: session.platformUserId },
  };
}
