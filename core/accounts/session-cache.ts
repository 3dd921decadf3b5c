import type { PgListener } from '../db/pg-listener.ts';
import type { Role } from './accounts.repository.ts';

/** The channel the auth triggers announce on (migrations/20261204T0710_auth_change_notifications.ts). */
export const AUTH_NOTIFY_CHANNEL = 'concierge_auth';

export interface LiveSession {
  role: Role;
  expiresAt: Date;
}

export interface SessionCacheOptions {
  listener: PgListener;
  /** The database's answer: the live session's role and expiry, or undefined. */
  load(tenantId: string, sessionId: string, userId: string): Promise<LiveSession | undefined>;
  now?: () => Date;
  /** Safety net: an entry is read again after this long even without a notification. Default 60 s. */
  ttlMs?: number;
  /** Entries kept; the oldest goes first. Default 10,000. */
  max?: number;
}

const AUTH_WRITE = /^\s*(update|delete\s+from)\s+"?(sessions|memberships|users|tenants)"?\b/i;

interface Entry extends LiveSession {
  tenantId: string;
  userId: string;
  loadedAt: number;
}

/**
 * The per-request session check without a database round trip (issue 13). A live session's role is
 * kept per instance; every change that could end it (revoke, expiry, removal, role change, password
 * change) is announced by a trigger on commit and drops the entry on every instance within
 * milliseconds. Trusted only while the LISTEN connection is up: while it is down every check goes to
 * the database, and after it comes back the cache starts empty (a notification may have been missed).
 */
export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every invalidation: a load that began before one must not store its (stale) answer. */
  private generation = 0;
  private readonly now: () => Date;
  private readonly ttlMs: number;
  private readonly max: number;

  constructor(private readonly options: SessionCacheOptions) {
    this.now = options.now ?? (() => new Date());
    this.ttlMs = options.ttlMs ?? 60_000;
    this.max = options.max ?? 10_000;
    options.listener.on(AUTH_NOTIFY_CHANNEL, (payload) => this.invalidate(payload));
    options.listener.onReconnect(() => this.clear());
  }

  get size(): number {
    return this.entries.size;
  }

  async role(tenantId: string, sessionId: string, userId: string): Promise<Role | undefined> {
    const trusted = this.options.listener.listening;
    if (!trusted && this.entries.size > 0) this.clear();
    const hit = trusted ? this.entries.get(sessionId) : undefined;
    if (hit && hit.tenantId === tenantId && hit.userId === userId && performance.now() - hit.loadedAt < this.ttlMs) {
      if (hit.expiresAt > this.now()) return hit.role;
      this.entries.delete(sessionId);
      return undefined;
    }
    const generation = this.generation;
    const live = await this.options.load(tenantId, sessionId, userId);
    if (!live) {
      this.entries.delete(sessionId);
      return undefined;
    }
    if (trusted && this.options.listener.listening && generation === this.generation) {
      this.entries.delete(sessionId);
      this.entries.set(sessionId, { ...live, tenantId, userId, loadedAt: performance.now() });
      if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    }
    return live.role;
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  /**
   * This instance's own writes: a statement that changes a session, membership, user or store
   * empties the cache at once, before its commit, so the caller's next request (which may arrive
   * before the NOTIFY does) reads the database. Other instances learn it from the NOTIFY.
   */
  observeStatement(sql: string): void {
    if (AUTH_WRITE.test(sql)) this.clear();
  }

  /** `s:<session id>` or `u:<user id>` (exported for tests). */
  invalidate(payload: string): void {
    this.generation++;
    const id = payload.slice(2);
    if (payload.startsWith('s:')) this.entries.delete(id);
    else if (payload.startsWith('u:')) {
      for (const [key, entry] of this.entries) if (entry.userId === id) this.entries.delete(key);
    } else this.entries.clear();
  }
}
