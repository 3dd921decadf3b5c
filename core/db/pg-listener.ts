import type pg from 'pg';
import type { Logger } from 'pino';

/**
 * The instance's one LISTEN connection (design.md §11). Modules subscribe to channels here instead
 * of opening connections of their own: chat's event fan-out, the session cache's revocations, the
 * bot cache. It is a dedicated connection, never from the pool (PgBouncer in transaction mode cannot
 * LISTEN), reconnected with back-off; after a gap every `onReconnect` callback runs, so a cache that
 * may have missed a notification drops what it holds. While it is down `listening` is false and
 * caches must not be trusted.
 */
export interface PgListenerOptions {
  /** Opens a NEW connection (a direct one: `DATABASE_LISTEN_URL` behind PgBouncer). */
  connect: () => Promise<pg.Client>;
  logger: Logger;
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

export class PgListener {
  private readonly handlers = new Map<string, Set<(payload: string) => void>>();
  private readonly reconnectCallbacks = new Set<() => void>();
  private readonly logger: Logger;
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;
  private everConnected = false;
  private readonly outgoing: Array<{ channel: string; payloads: string[]; resolve: (sent: boolean) => void; reject: (error: unknown) => void }> = [];
  /** Channels subscribed to while connected, not yet LISTENed on; they go before any notification. */
  private listens: string[] = [];
  private flushing = false;

  constructor(private readonly options: PgListenerOptions) {
    this.logger = options.logger.child({ component: 'pg-listener' });
  }

  /** True while the connection is up and listening on every registered channel. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /** Connects; resolves once it listens (rejects on the first failure). */
  async start(): Promise<void> {
    this.closed = false;
    if (this.client) return;
    await this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners('notification');
      await client.end().catch(() => undefined);
    }
  }

  /** Calls `handler` with each payload on `channel`; returns the unsubscribe function. */
  on(channel: string, handler: (payload: string) => void): () => void {
    if (!CHANNEL.test(channel)) throw new Error(`not a channel name: ${channel}`);
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      // On the connection's one queue (pg deprecates overlapping queries on a client); without a
      // connection, the next one listens on every registered channel.
      if (this.client) this.listenLater([channel]);
    }
    set.add(handler);
    return () => {
      set.delete(handler);
    };
  }

  /** Runs after the connection came back from a gap (notifications may have been missed). */
  onReconnect(callback: () => void): () => void {
    this.reconnectCallbacks.add(callback);
    return () => {
      this.reconnectCallbacks.delete(callback);
    };
  }

  /**
   * Sends payloads to every instance (this one included) on this connection: one statement outside
   * any writing transaction, so it waits for no WAL flush. false when the connection is down.
   */
  private listenLater(channels: string[]): void {
    this.listens.push(...channels);
    if (!this.flushing) void this.flush();
  }

  notify(channel: string, payloads: string[]): Promise<boolean> {
    if (payloads.length === 0) return Promise.resolve(true);
    if (!this.client) return Promise.resolve(false);
    return new Promise<boolean>((resolve, reject) => {
      this.outgoing.push({ channel, payloads, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /**
   * One statement at a time on the connection (pg deprecates overlapping queries on one client):
   * whatever was asked meanwhile goes out together in the next statement, in order.
   */
  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.outgoing.length > 0 || this.listens.length > 0) {
        const client = this.client;
        if (this.listens.length > 0) {
          const channels = this.listens.splice(0);
          // A failed LISTEN loses the connection: the next one listens on every channel.
          if (client) await client.query(channels.map((c) => `LISTEN ${c}`).join('; ')).catch((error: unknown) => this.lost(client, error));
          continue;
        }
        const batch = this.outgoing.splice(0);
        if (!client) {
          for (const item of batch) item.resolve(false);
          continue;
        }
        try {
          await client.query(`SELECT pg_notify(c, p) FROM unnest($1::text[], $2::text[]) AS t(c, p)`, [
            batch.flatMap((item) => item.payloads.map(() => item.channel)),
            batch.flatMap((item) => item.payloads),
          ]);
          for (const item of batch) item.resolve(true);
        } catch (error) {
          for (const item of batch) item.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private connect(): Promise<void> {
    this.connecting ??= (async () => {
      let client: pg.Client | undefined;
      try {
        client = await this.options.connect();
        client.on('notification', (message) => {
          if (message.payload === undefined) return;
          const set = this.handlers.get(message.channel);
          if (!set) return;
          for (const handler of set) {
            try {
              handler(message.payload);
            } catch (error) {
              this.logger.warn({ err: error, channel: message.channel }, 'notification handler failed');
            }
          }
        });
        const lost = (error?: unknown) => this.lost(client!, error);
        client.on('error', lost);
        client.on('end', () => lost());
        const channels = [...this.handlers.keys()];
        if (channels.length > 0) await client.query(channels.map((c) => `LISTEN ${c}`).join('; '));
        if (this.closed) {
          await client.end().catch(() => undefined);
          return;
        }
        this.client = client;
        // Subscribed while this connection was on its way: listen on those too.
        const added = [...this.handlers.keys()].filter((c) => !channels.includes(c));
        if (added.length > 0) this.listenLater(added);
        const wasDown = this.everConnected;
        this.everConnected = true;
        this.failures = 0;
        if (wasDown) {
          this.logger.info('LISTEN connection back; caches resync');
          for (const callback of this.reconnectCallbacks) {
            try {
              callback();
            } catch (error) {
              this.logger.warn({ err: error }, 'reconnect callback failed');
            }
          }
        }
      } catch (error) {
        await client?.end().catch(() => undefined);
        throw error;
      }
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private lost(client: pg.Client, error?: unknown): void {
    if (this.client !== client && this.client !== undefined) return;
    client.removeAllListeners('notification');
    client.end().catch(() => undefined);
    if (this.closed) return;
    if (this.client === client) {
      this.client = undefined;
      this.logger.warn({ err: error }, 'LISTEN connection lost; reconnecting');
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = Math.min(10_000, 250 * 2 ** Math.min(this.failures, 6));
    this.failures++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().catch((error: unknown) => {
        this.logger.warn({ err: error, attempt: this.failures }, 'LISTEN reconnect failed');
        this.scheduleReconnect();
      });
    }, delay);
    this.reconnectTimer.unref();
  }
}
