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
    const written: { tenantId: string; conversationIds: string[]; onlineUntil?: Date }[] = [];
    const store: PresenceStore = {
      async markSeen(tenantId, marks) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (tenantId === failFor) throw new Error('database gone');
        const onlineUntil = marks[0]?.onlineUntil;
        written.push({ tenantId, conversationIds: marks.map((m) => m.conversationId), ...(onlineUntil ? { onlineUntil } : {}) });
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
    const { store, written } = slowStore('t1');
    const presence = new VisitorPresence(store, () => at, pino({ level: 'silent' }), 1_000);
    presence.track('t1', 'c2')();
    presence.seen('t2', 'c3');
    await expect(presence.stop()).resolves.toBeUndefined();
    expect(written.map((w) => w.conversationIds)).toEqual([['c3']]);
  });
});

describe('VisitorPresence marks', () => {
  const at = new Date('2026-12-05T10:00:00Z');
  const recording = () => {
    const calls: { tenantId: string; marks: { conversationId: string; seenAt: string; onlineUntil?: string }[] }[] = [];
    const store: PresenceStore = {
      markSeen(tenantId, marks) {
        calls.push({ tenantId, marks: marks.map((m) => ({ conversationId: m.conversationId, seenAt: m.seenAt.toISOString(), ...(m.onlineUntil ? { onlineUntil: m.onlineUntil.toISOString() } : {}) })) });
        return Promise.resolve();
      },
    };
    return { store, calls };
  };

  it('writes the marks made within 50 ms together: one statement per tenant', async () => {
    const { store, calls } = recording();
    const presence = new VisitorPresence(store, () => at, pino({ level: 'silent' }), 1_000);
    for (let i = 0; i < 500; i++) presence.track('t1', `c${i}`);
    presence.track('t2', 'x');
    await new Promise((resolve) => setTimeout(resolve, 10));
    presence.seen('t2', 'y');
    expect(calls).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(calls.map((c) => [c.tenantId, c.marks.length])).toEqual([
      ['t1', 500],
      ['t2', 2],
    ]);
    expect(calls[1]!.marks).toEqual([
      { conversationId: 'x', seenAt: '2026-12-05T10:00:00.000Z', onlineUntil: '2026-12-05T10:00:02.000Z' },
      { conversationId: 'y', seenAt: '2026-12-05T10:00:00.000Z' },
    ]);
    await presence.stop();
  });

  it('sends a conversation’s later mark in the next statement, so its marks apply in order', async () => {
    const { store, calls } = recording();
    let now = at;
    const presence = new VisitorPresence(store, () => now, pino({ level: 'silent' }), 1_000);
    const close = presence.track('t1', 'a');
    presence.track('t1', 'b');
    now = new Date(at.getTime() + 500);
    close();
    presence.seen('t1', 'a');
    await presence.stop();
    expect(calls.map((c) => c.marks.map((m) => `${m.conversationId}:${m.seenAt.slice(17, 23)}:${m.onlineUntil?.slice(17, 23) ?? '-'}`))).toEqual([
      ['a:00.000:02.000', 'b:00.000:02.000'],
      // Closed: seen up to its last mark, online until the close.
      ['a:00.000:00.500'],
      ['a:00.500:-'],
    ]);
  });
});
