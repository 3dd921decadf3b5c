import type { Role } from './accounts.repository.ts';

/**
 * The permission matrix (issue: merchant accounts). Routes ask for a permission, never a role,
 * so the matrix can change in one place.
 *   owner: everything, incl. team and deleting the store
 *   admin: settings, bots, services, plugins (+ everything an agent does)
 *   agent: conversations and bookings
 */
export const PERMISSIONS = {
  'team:manage': ['owner'],
  'tenant:delete': ['owner'],
  'audit:read': ['owner', 'admin'],
  'api-keys:manage': ['owner', 'admin'],
  'settings:write': ['owner', 'admin'],
  'bots:write': ['owner', 'admin'],
  'services:write': ['owner', 'admin'],
  'plugins:write': ['owner', 'admin'],
  'analytics:read': ['owner', 'admin', 'agent'],
  'bots:read': ['owner', 'admin', 'agent'],
  'services:read': ['owner', 'admin', 'agent'],
  'conversations:read': ['owner', 'admin', 'agent'],
  'conversations:reply': ['owner', 'admin', 'agent'],
  'bookings:read': ['owner', 'admin', 'agent'],
  'bookings:write': ['owner', 'admin', 'agent'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}
