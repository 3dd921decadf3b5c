import type { Logger } from 'pino';

/**
 * Whether a shopper is connected to a conversation, across instances (issue #18: no reply mail to
 * a shopper who saw the reply live). Each instance counts its open widget streams per conversation
 * and writes the marks: at open and while open (every `refreshMs`, in one update per tenant)
 * `online until now + 2 × refreshMs` and `seen now`; when its last stream closes, `online until now`.
 * A crashed instance's marks lapse within 2 × refreshMs. One timer for all streams.
 *
 * The marks made within `BATCH_MS` are written together, per tenant, one statement for many
 * conversations: a deploy that closes ten thousand streams, and their reconnecting a second later,
 * cost a few statements instead of one each (issue 13). Streams open one request at a time, so a
 * turn of the event loop would hold one mark; the marks only decide whether a reply mail is needed
 * after its grace period (minutes), so 50 ms later changes nothing. `stop` writes them at once.
 */

const BATCH_MS = 50;

/** One conversation's mark: seen up to `seenAt`; online until `onlineUntil`, or left as it was. */
export interface PresenceMark {
  conversationId: string;
  seenAt: Date;
  onlineUntil?: Date | undefined;
}

export interface PresenceStore {
  /** Writes the marks of one tenant, at most one per conversation. */
  markSeen(tenantId: string, marks: readonly PresenceMark[]): Promise<void>;
}

export class VisitorPresence {
  /** Open streams per conversation, and when this instance last marked the conversation seen for them. */
  private readonly open = new Map<string, { tenantId: string; conversationId: string; count: number; markedAt: Date }>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly store: PresenceStore,
    private readonly clock: () => Date,
    private readonly logger: Logger,
    readonly refreshMs = 30_000,
  ) {}

  /** A widget stream of the conversation opened; call the result when it closes. */
  track(tenantId: string, conversationId: string): () => void {
    const key = `${tenantId}:${conversationId}`;
    const entry = this.open.get(key) ?? { tenantId, conversationId, count: 0, markedAt: this.clock() };
    entry.count++;
    this.open.set(key, entry);
    entry.markedAt = this.write(tenantId, [conversationId], true);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      entry.count--;
      if (entry.count > 0) return;
      this.open.delete(key);
      // Offline from now; seen only up to the last mark: a reply that raced the tab's closing (the
      // server learns of a close late) is not taken as seen, so its mail still goes out.
      this.mark(tenantId, { conversationId, seenAt: entry.markedAt, onlineUntil: this.clock() }, 'could not record that a shopper left');
    };
  }

  /** The shopper read the history (e.g. reopened the panel): what is there now counts as seen. */
  seen(tenantId: string, conversationId: string): void {
    this.mark(tenantId, { conversationId, seenAt: this.clock() }, 'could not record a history read');
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  /**
   * Stops the refresh and waits for the marks already asked for, so a shutdown that closed the
   * streams first writes their "left" marks before the database goes (they were cut off by the
   * pool's close and logged as "Acquire connection error: aborted"). At most `timeoutMs`: a mark is
   * worth an unneeded reply mail at worst, never a slower shutdown.
   */
  async stop(timeoutMs = 1_000): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
    if (this.writing.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = await Promise.race([
      Promise.all(this.writing).then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    if (!waited) this.logger.warn({ pending: this.writing.size }, 'shutdown went on without the presence marks still being written');
  }

  /** Marks on their way to the store (each settles: its failure is logged here, never thrown). */
  private readonly writing = new Set<Promise<void>>();

  private keep(write: Promise<void>, onError: (error: unknown) => void): void {
    const settled = write.catch(onError).finally(() => this.writing.delete(settled));
    this.writing.add(settled);
  }

  /** Marks not written yet, per tenant, in the order they were made; written by `flush`. */
  private queued = new Map<string, { mark: PresenceMark; failure: string }[]>();
  private flushing: ReturnType<typeof setTimeout> | undefined;

  private mark(tenantId: string, mark: PresenceMark, failure: string): void {
    const marks = this.queued.get(tenantId);
    if (marks) marks.push({ mark, failure });
    else this.queued.set(tenantId, [{ mark, failure }]);
    if (!this.flushing) {
      this.flushing = setTimeout(() => this.flush(), BATCH_MS);
      this.flushing.unref();
    }
  }

  /**
   * Writes the queued marks: per tenant one statement, or a few when a conversation was marked more
   * than once (a stream opened and closed, a second tab): its next mark goes in the next statement,
   * so they apply in the order they were made.
   */
  private flush(): void {
    clearTimeout(this.flushing);
    this.flushing = undefined;
    const queued = this.queued;
    this.queued = new Map();
    for (const [tenantId, marks] of queued) {
      let pending = marks;
      while (pending.length > 0) {
        const statement: typeof marks = [];
        const later: typeof marks = [];
        const inStatement = new Set<string>();
        for (const entry of pending) {
          if (inStatement.has(entry.mark.conversationId)) later.push(entry);
          else {
            inStatement.add(entry.mark.conversationId);
            statement.push(entry);
          }
        }
        const failure = [...new Set(statement.map((entry) => entry.failure))].join('; ');
        const written = this.store.markSeen(tenantId, statement.map((entry) => entry.mark));
        this.keep(written, (error) => this.logger.warn({ err: error, tenantId, conversations: statement.length }, failure));
        pending = later;
      }
    }
  }

  private refresh(): void {
    const byTenant = new Map<string, string[]>();
    const now = this.clock();
    for (const entry of this.open.values()) entry.markedAt = now;
    for (const { tenantId, conversationId } of this.open.values()) {
      const list = byTenant.get(tenantId) ?? [];
      list.push(conversationId);
      byTenant.set(tenantId, list);
    }
    for (const [tenantId, ids] of byTenant) this.write(tenantId, ids, false);
  }

  private write(tenantId: string, conversationIds: string[], opening: boolean): Date {
    const now = this.clock();
    const onlineUntil = new Date(now.getTime() + 2 * this.refreshMs);
    const failure = opening ? 'could not record an opened widget stream' : 'could not record open widget streams';
    for (const conversationId of conversationIds) this.mark(tenantId, { conversationId, seenAt: now, onlineUntil }, failure);
    return now;
  }
}
