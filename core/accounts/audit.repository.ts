import type { Tx } from '../db/database.ts';

/** What the audit log records (issue #3): sign-ins, passwords, roles, team and API keys. */
export const AUDIT_ACTIONS = [
  'account.signup',
  'auth.login',
  'auth.login_failed',
  'auth.logout',
  'auth.refresh_reused',
  'auth.password_changed',
  'auth.password_reset',
  'team.invite_created',
  'team.invite_revoked',
  'team.invite_accepted',
  'team.role_changed',
  'team.member_removed',
  'api_key.created',
  'api_key.revoked',
  // Platform plugins (issue #10): installs, uninstalls and the platforms' privacy requests.
  'plugin.installed',
  'plugin.uninstalled',
  'privacy.data_request',
  'privacy.customer_redacted',
  'privacy.shop_redacted',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditActor {
  userId?: string | null;
  apiKeyId?: string | null;
  /** Snapshot, so the entry stays readable after the person leaves. */
  email?: string | null;
}

export interface AuditEntry {
  action: AuditAction;
  actor: AuditActor;
  ip?: string | null;
  subjectUserId?: string | null;
  /** Never secrets: ids, roles, names. */
  details?: Record<string, unknown>;
  at: Date;
}

export interface AuditRow {
  tenant_id: string;
  id: string;
  at: Date;
  action: AuditAction;
  actor_user_id: string | null;
  actor_api_key_id: string | null;
  actor_email: string | null;
  ip: string | null;
  subject_user_id: string | null;
  details: Record<string, unknown>;
}

export class AuditRepository {
  async record(trx: Tx, tenantId: string, entry: AuditEntry): Promise<void> {
    await trx('audit_events').insert({
      tenant_id: tenantId,
      at: entry.at,
      action: entry.action,
      actor_user_id: entry.actor.userId ?? null,
      actor_api_key_id: entry.actor.apiKeyId ?? null,
      actor_email: entry.actor.email ?? null,
      ip: entry.ip ?? null,
      subject_user_id: entry.subjectUserId ?? null,
      details: JSON.stringify(entry.details ?? {}),
    });
  }

  /** Newest first; `after` is the (at, id) of the last entry of the previous page. */
  page(trx: Tx, tenantId: string, options: { limit: number; after?: { at: Date; id: string }; action?: AuditAction }): Promise<AuditRow[]> {
    const query = trx<AuditRow>('audit_events').where({ tenant_id: tenantId });
    if (options.action) query.where({ action: options.action });
    if (options.after) query.whereRaw('(at, id) < (?::timestamptz, ?::uuid)', [options.after.at, options.after.id]);
    return query.orderBy([{ column: 'at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(options.limit);
  }
}
