import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROLES } from '../../../core/accounts/accounts.repository.ts';
import { can, PERMISSIONS, USER_ONLY_PERMISSIONS, type Permission } from '../../../core/accounts/permissions.ts';

const README = path.resolve(import.meta.dirname, '../../../core/accounts/README.md');

describe('permission matrix', () => {
  it('is documented exactly as the code has it (README table)', () => {
    const text = readFileSync(README, 'utf8');
    const rows = [...text.matchAll(/^\| ([a-z-]+:[a-z-]+) \|(.*)\|$/gm)].map((m) => {
      const cells = m[2]!.split('|').map((c) => c.trim() === '✓');
      return [m[1], ROLES.filter((_, i) => cells[i])] as const;
    });
    const documented = Object.fromEntries(rows);
    const coded = Object.fromEntries(Object.entries(PERMISSIONS).map(([p, roles]) => [p, [...roles]]));
    expect(documented).toEqual(coded);
  });

  it('gives the owner everything, the admin all but team and deletion, the agent conversations, bookings and a read of the catalog', () => {
    const all = Object.keys(PERMISSIONS) as Permission[];
    expect(all.filter((p) => !can('owner', p))).toEqual([]);
    expect(all.filter((p) => !can('admin', p)).sort()).toEqual(['team:manage', 'tenant:delete']);
    expect(all.filter((p) => can('agent', p)).sort()).toEqual([
      'account:self',
      'analytics:read',
      'bookings:read',
      'bookings:write',
      'bots:read',
      'catalog:read',
      'conversations:read',
      'conversations:reply',
      'services:read',
    ]);
  });

  it('keeps team, deletion and key management away from API keys', () => {
    expect([...USER_ONLY_PERMISSIONS].sort()).toEqual(['api-keys:manage', 'team:manage', 'tenant:delete']);
  });
});
