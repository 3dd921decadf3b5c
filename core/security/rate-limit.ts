import type { RequestHandler } from 'express';
import type { Store as ExpressRateLimitStore, IncrementResponse } from 'express-rate-limit';
import type { Database } from '../db/database.ts';
import { GroupCommit } from '../db/group-commit.ts';
import { RateLimitedError } from './rate-limit.errors.ts';

/**
 * Fixed-window counters in PostgreSQL (design.md §3, §11), so limits hold across instances.
 * One row per key; each operation is a single atomic statement, so concurrent instances
 * never lose a hit. Times come from the injected clock (tests move it), not from the database.
 * Keys are opaque: callers namespace them (`login:ip:…`) and hash anything personal.
 */

export interface CounterState {
  count: number;
  /** When the current window ends and the count starts again at zero. */
  resetAt: Date;
  lastHitAt: Date;
}

export interface BackoffPolicy {
  /** Length of the counting window. */
  windowSeconds: number;
  /** Attempts allowed at full speed within the window. */
  freeAttempts: number;
  /** Wait after the first attempt beyond `freeAttempts`; doubles with every further one. */
  baseDelaySeconds: number;
  maxDelaySeconds: number;
}

export type BackoffResult = { allowed: true; count: number } | { allowed: false; count: number; retryAfterSeconds: number };

interface CounterRow {
  count: number;
  expires_at: Date;
  last_hit_at: Date;
}

/** One hit on a key's counter (named bindings :key, :now, :expires): a new window once the old one ended. */
const COUNT_HIT = `INSERT INTO rate_limit_counters AS c (key, count, window_started_at, expires_at, last_hit_at)
  VALUES (:key, 1, :now, :expires, :now)
  ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN c.expires_at <= :now THEN 1 ELSE c.count + 1 END,
    window_started_at = CASE WHEN c.expires_at <= :now THEN :now ELSE c.window_started_at END,
    expires_at = CASE WHEN c.expires_at <= :now THEN :expires ELSE c.expires_at END,
    last_hit_at = :now`;

const toState = (row: CounterRow): CounterState => ({ count: row.count, resetAt: row.expires_at, lastHitAt: row.last_hit_at });

/** A hit waiting for the next message (`RateLimitCounters.hit`). */
interface WaitingHit {
  key: string;
  now: Date;
  expires: Date;
  resolve(state: CounterState): void;
  reject(error: unknown): void;
}

/** At most this many hits per message (a burst beyond it goes in the next ones). */
const HITS_PER_MESSAGE = 100;

export class RateLimitCounters {
  private hits = 0;
  private waiting: WaitingHit[] = [];
  private readonly groups = new GroupCommit(
    () => (this.waiting.length > 0 ? this.waiting.splice(0, HITS_PER_MESSAGE) : undefined),
    (group) => this.sendGroup(group),
  );

  constructor(
    private readonly db: Database,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Counts one hit in a fixed window and returns the state after it.
   *
   * Every limited request pays for this statement, so the hits that arrive while a message is on its
   * way to the database go together in the next one (issue 13: 200 concurrent shoppers' messages
   * were 200 round trips for their address limits); an idle instance's hit still goes at once (one
   * event-loop turn later). A message's hits are one transaction, taken in key order, so two
   * instances' messages lock their rows in the same order and never deadlock; a failed message is
   * retried one hit at a time. The commit does not wait for the disk: a crash can only forget the
   * last fraction of a second of hits (the limits are about rates, not records); under load this
   * was a WAL flush per request (WALWrite waits).
   */
  hit(key: string, windowSeconds: number): Promise<CounterState> {
    const now = this.now();
    const expires = new Date(now.getTime() + windowSeconds * 1000);
    return new Promise<CounterState>((resolve, reject) => {
      this.waiting.push({ key, now, expires, resolve, reject });
      this.groups.wake();
    }).finally(() => this.maybeSweep());
  }

  /** A group in one message; if it fails, each hit alone. */
  private async sendGroup(group: WaitingHit[]): Promise<void> {
    try {
      await this.send(group);
    } catch {
      await Promise.all(group.map((hit) => this.send([hit]).catch((error: unknown) => hit.reject(error))));
    }
  }

  /** One message for `group`, in key order (a key's hits in the order they came); resolves each hit once it committed. */
  private async send(group: readonly WaitingHit[]): Promise<void> {
    const ordered = [...group].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const rows = await this.db.systemBatch(
      (knex) =>
        Object.fromEntries(
          ordered.map(({ key, now, expires }, i) => [
            `h${i}`,
            knex.raw<CounterRow[]>(
              `${COUNT_HIT}
               RETURNING count, expires_at, last_hit_at`,
              { key, now, expires },
            ),
          ]),
        ),
      { durable: false },
    );
    ordered.forEach((hit, i) => hit.resolve(toState((rows as Record<string, CounterRow[]>)[`h${i}`]![0]!)));
  }

  /**
   * Counts an attempt only if it may go ahead: within `freeAttempts` per window, or once the
   * back-off since the last counted attempt (base × 2^(count − free), capped) has passed.
   * The check and the increment are one statement, so parallel attempts cannot slip through.
   */
  async attempt(key: string, policy: BackoffPolicy): Promise<BackoffResult> {
    const now = this.now();
    const expires = new Date(now.getTime() + policy.windowSeconds * 1000);
    const params = { key, now, expires, free: policy.freeAttempts, base: policy.baseDelaySeconds, max: policy.maxDelaySeconds };
    const delaySql = `LEAST(:max::float8, :base::float8 * power(2, GREATEST(c.count - :free::int, 0)))`;
    const result = await this.db.system(async (trx) => {
      const { rows } = await trx.raw<{ rows: CounterRow[] }>(
        `${COUNT_HIT}
         WHERE c.expires_at <= :now
            OR c.count < :free::int
            OR c.last_hit_at + make_interval(secs => ${delaySql}) <= :now
         RETURNING count, expires_at, last_hit_at`,
        params,
      );
      if (rows[0]) return { allowed: true as const, count: rows[0].count };
      const { rows: blocked } = await trx.raw<{ rows: { count: number; wait: number }[] }>(
        `SELECT c.count, EXTRACT(EPOCH FROM (c.last_hit_at + make_interval(secs => ${delaySql}) - :now::timestamptz))::float8 AS wait
         FROM rate_limit_counters c WHERE c.key = :key`,
        params,
      );
      const row = blocked[0];
      return { allowed: false as const, count: row?.count ?? 0, retryAfterSeconds: Math.max(1, Math.ceil(row?.wait ?? 1)) };
    });
    this.maybeSweep();
    return result;
  }

  async get(key: string): Promise<CounterState | undefined> {
    const row = await this.db.system((trx) =>
      trx('rate_limit_counters').where('key', key).where('expires_at', '>', this.now()).first<CounterRow | undefined>('count', 'expires_at', 'last_hit_at'),
    );
    return row ? toState(row) : undefined;
  }

  /** Takes back one hit (e.g. an attempt that turned out fine should not count as a failure). */
  async decrement(key: string): Promise<void> {
    await this.db.system((trx) => trx('rate_limit_counters').where({ key }).where('count', '>', 0).decrement('count', 1));
  }

  async reset(key: string): Promise<void> {
    await this.db.system((trx) => trx('rate_limit_counters').where({ key }).delete());
  }

  /** Deletes windows that ended; also run now and then by `hit`, so the table stays small. */
  async sweep(): Promise<number> {
    return this.db.system((trx) => trx('rate_limit_counters').where('expires_at', '<', this.now()).delete());
  }

  private maybeSweep(): void {
    if (++this.hits % 500 === 0) this.sweep().catch(() => undefined);
  }

  /** The same counters as an express-rate-limit store, for modules that prefer that middleware. */
  expressStore(windowMs: number, prefix = 'erl:'): ExpressRateLimitStore {
    const windowSeconds = Math.max(1, Math.ceil(windowMs / 1000));
    return {
      localKeys: false,
      prefix,
      increment: async (key): Promise<IncrementResponse> => {
        const state = await this.hit(prefix + key, windowSeconds);
        return { totalHits: state.count, resetTime: state.resetAt };
      },
      get: async (key) => {
        const state = await this.get(prefix + key);
        return state ? { totalHits: state.count, resetTime: state.resetAt } : undefined;
      },
      decrement: (key) => this.decrement(prefix + key),
      resetKey: (key) => this.reset(prefix + key),
    };
  }

  /**
   * Middleware: at most `limit` requests per `windowSeconds` for the key `keyOf(req)` returns
   * (none: not limited); past it a 429 problem with Retry-After.
   */
  limit(options: { name: string; windowSeconds: number; limit: number; keyOf: (req: Parameters<RequestHandler>[0]) => string | undefined }): RequestHandler {
    return (req, _res, next) => {
      const key = options.keyOf(req);
      if (!key) return next();
      this.hit(`${options.name}:${key}`, options.windowSeconds).then(
        (state) => {
          if (state.count <= options.limit) return next();
          const wait = (state.resetAt.getTime() - this.now().getTime()) / 1000;
          next(new RateLimitedError('Too many requests; try again later.', wait));
        },
        next,
      );
    };
  }
}
