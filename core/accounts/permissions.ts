import type { Role } from './accounts.repository.ts';

/**
 * The permission matrix (issue #3). Routes ask for a permission, never a role, so the matrix
 * can change in one place. core/accounts/README.md shows it as a table.
 *   owner: everything, incl. team and deleting the store
 *   admin: settings, bots, services, plugins, API keys, audit log (+ everything an agent does)
 *   agent: conversations and bookings
 * The role is read from the membership on every request, so a change applies at once.
 */
export const PERMISSIONS = {
  'team:manage': ['owner'],
  'tenant:delete': ['owner'],
  'team:read': ['owner', 'admin'],
  'audit:read': ['owner', 'admin'],
  'api-keys:manage': ['owner', 'admin'],
  'settings:write': ['owner', 'admin'],
  'bots:write': ['owner', 'admin'],
  'services:write': ['owner', 'admin'],
  'plugins:write': ['owner', 'admin'],
  'catalog:write': ['owner', 'admin'],
  'catalog:read': ['owner', 'admin', 'agent'],
  'plugins:read': ['owner', 'admin'],
  'analytics:read': ['owner', 'admin', 'agent'],
  'bots:read': ['owner', 'admin', 'agent'],
  'services:read': ['owner', 'admin', 'agent'],
  'conversations:read': ['owner', 'admin', 'agent'],
  'conversations:reply': ['owner', 'admin', 'agent'],
  'bookings:read': ['owner', 'admin', 'agent'],
  'bookings:write': ['owner', 'admin', 'agent'],
  /** Own profile, own password, sign-out: anyone signed in. */
  'account:self': ['owner', 'admin', 'agent'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

/**
 * Permissions a person must exercise themselves, never an API key whatever its role: a leaked
 * key must not be able to mint more keys, change the team or delete the store.
 */
export const USER_ONLY_PERMISSIONS: ReadonlySet<Permission> = new Set<Permission>(['team:manage', 'tenant:delete', 'api-keys:manage']);

export function can(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}
