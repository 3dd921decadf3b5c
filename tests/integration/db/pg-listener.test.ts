// The instance's LISTEN connection (core/db/pg-listener.ts): channels subscribed to while it is up
// and notifications sent meanwhile share the one connection without overlapping queries (pg
// deprecates those, and pg 9 will refuse them), and every channel hears what is sent to it.
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgListener } from '../../../core/db/pg-listener.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.ts';

describe('PgListener', () => {
  let t: TestDatabase;
  let listener: PgListener;
  const connects: pg.Client[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    listener = new PgListener({
      connect: async () => {
        const client = new pg.Client({ connectionString: t.url });
        await client.connect();
        connects.push(client);
        return client;
      },
      logger: pino({ level: 'silent' }),
    });
    listener.on('listener_first', () => undefined);
    await listener.start();
  });
  afterAll(async () => {
    await listener.close();
    await t.drop();
  });

  it('subscribes to new channels while notifying, one query at a time, and hears every channel', async () => {
    const client = connects[0]!;
    let inFlight = 0;
    let overlapped = 0;
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as unknown as { query: typeof query }).query = async (...args: unknown[]) => {
      if (inFlight > 0) overlapped++;
      inFlight++;
      try {
        return await query(...args);
      } finally {
        inFlight--;
      }
    };

    const heard = new Map<string, string[]>();
    const channels = Array.from({ length: 8 }, (_, i) => `listener_added_${i}`);
    const sends: Promise<boolean>[] = [];
    for (const channel of channels) {
      heard.set(channel, []);
      listener.on(channel, (payload) => heard.get(channel)!.push(payload));
      // A notification asked for right after each subscription: both want the connection at once.
      sends.push(listener.notify('listener_first', [channel]));
    }
    expect(await Promise.all(sends)).toEqual(channels.map(() => true));
    expect(await Promise.all(channels.map((c) => listener.notify(c, [`to ${c}`])))).toEqual(channels.map(() => true));
    await expect.poll(() => channels.map((c) => heard.get(c)!.join())).toEqual(channels.map((c) => `to ${c}`));
    expect(overlapped).toBe(0);
    expect(connects).toHaveLength(1);
  });
});
