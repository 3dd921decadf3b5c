import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { VisitorPresence, type PresenceStore } from '../../../core/chat/presence.ts';

/**
 * A shutdown closes the widget streams first, then stops presence, then the database: stopping
 * presence waits for the "left" marks the closing streams asked for (they were cut off by the
 * pool's close before), and a mark that fails is logged, never thrown into the shutdown.
 */
describe('VisitorPresence.stop', () => {
  const at = new Date('2026-12-05T10:00:00Z');

  function slowStore(failFor?: string) {
    const written: { conversationIds: string[]; onlineUntil?: Date }[] = [];
    const store: PresenceStore = {
      async markSeen(_tenantId, conversationIds, _seenAt, onlineUntil) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (conversationIds.includes(failFor ?? '')) throw new Error('database gone');
        written.push({ conversationIds, ...(onlineUntil ? { onlineUntil } : {}) });
      },
    };
    return { store, written };
  }

  it('waits for the marks of streams that just closed', async () => {
    const { store, written } = slowStore();
    const presence = new VisitorPresence(store, () => at, pino({ level: 'silent' }), 1_000);
    const release = presence.track('t1', 'c1');
    release();
    await presence.stop();
    // The open mark (online for 2 × refresh) and the close mark (online until now) are both written.
    expect(written.map((w) => w.onlineUntil?.toISOString())).toEqual(['2026-12-05T10:00:02.000Z', '2026-12-05T10:00:00.000Z']);
  });

  it('waits at most its timeout for a mark that never settles', async () => {
    const store: PresenceStore = { markSeen: () => new Promise<void>(() => {}) };
    const presence = new VisitorPresence(store, () => at, pino({ level: 'silent' }), 1_000);
    presence.track('t1', 'c1')();
    const started = performance.now();
    await presence.stop(100);
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(95);
    expect(took).toBeLessThan(1_000);
  });

  it('settles when a mark fails', async () => {
    const { store, written } = slowStore('c2');
    const presence = new VisitorPresence(store, () => at, pino({ level: 'silent' }), 1_000);
    presence.track('t1', 'c2')();
    presence.seen('t1', 'c3');
    await expect(presence.stop()).resolves.toBeUndefined();
    expect(written.map((w) => w.conversationIds)).toEqual([['c3']]);
  });
});
