import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../core/chat/chat.repository.ts';
import { ChatEventHub } from '../../../core/chat/event-hub.ts';

/**
 * The fan-out's promise, checked against an in-memory event log that answers reads with random
 * delays: whatever the order and timing of local publishes, NOTIFYs (late, repeated, out of
 * order, or lost while "disconnected") and joins, every subscriber gets exactly the events after
 * its position, each once, in order.
 */

const T = '11111111-1111-4111-8111-111111111111';
const C = '22222222-2222-4222-8222-222222222222';

function memoryLog(random: () => number) {
  const log: StoredEvent[] = [];
  return {
    log,
    append(): StoredEvent {
      const event: StoredEvent = { tenantId: T, conversationId: C, seq: log.length + 1, type: 'message.delta', data: { n: log.length + 1 } };
      log.push(event);
      return event;
    },
    source: {
      // The snapshot is taken when the read starts; the answer comes back later, like a real query.
      eventsAfter: async (_t: string, _c: string, after: number, limit = 500) => {
        const snapshot = log.filter((e) => e.seq > after).slice(0, limit);
        await new Promise((r) => setTimeout(r, Math.floor(random() * 4)));
        return snapshot;
      },
    },
  };
}

const hubWith = (source: { eventsAfter: (...a: any[]) => Promise<StoredEvent[]> }, pageSize = 500) =>
  new ChatEventHub({ source, connect: async () => ({}) as never, logger: pino({ level: 'silent' }), ringSize: 8, pageSize });

type Step = { kind: 'write'; publish: boolean; notify: 'now' | 'late' | 'twice' | 'never' } | { kind: 'join'; back: number } | { kind: 'wait'; ms: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('write' as const), publish: fc.boolean(), notify: fc.constantFrom('now' as const, 'late' as const, 'twice' as const, 'never' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('join' as const), back: fc.integer({ min: 0, max: 20 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 3 }) }) },
);

describe('ChatEventHub', () => {
  it('delivers every event after a subscriber’s position exactly once, in order, whatever the timing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 2 ** 31 }), fc.integer({ min: 2, max: 50 }), async (steps, seed, pageSize) => {
        let s = seed;
        const random = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
        const memory = memoryLog(random);
        const hub = hubWith(memory.source, pageSize);
        const subscribers: { from: number; got: number[] }[] = [];
        const late: (() => void)[] = [];
        let writesWithoutSignal = 0;

        for (const step of steps) {
          if (step.kind === 'write') {
            const event = memory.append();
            if (step.publish) hub.publish([event]);
            const payload = `${T}:${C}:${event.seq}:${event.type}`;
            if (step.notify === 'now' || step.notify === 'twice') hub.notified(payload);
            if (step.notify === 'twice' || step.notify === 'late') late.push(() => hub.notified(payload));
            if (!step.publish && step.notify === 'never') writesWithoutSignal++;
          } else if (step.kind === 'join') {
            const from = Math.max(0, memory.log.length - step.back);
            const sub = { from, got: [] as number[] };
            subscribers.push(sub);
            hub.subscribe(T, C, from, (e) => sub.got.push(e.seq));
          } else {
            await new Promise((r) => setTimeout(r, step.ms));
          }
          if (late.length > 3 && random() < 0.5) late.splice(Math.floor(random() * late.length), 1)[0]!();
        }
        for (const fire of late.reverse()) fire();
        // A write nobody announced is found by the next announcement; make one, as the next event would.
        if (writesWithoutSignal > 0 || memory.log.length > 0) hub.notified(`${T}:${C}:${memory.log.length}:message.delta`);
        const deadline = Date.now() + 2_000;
        const total = memory.log.length;
        while (subscribers.some((x) => x.got.length < total - x.from) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        for (const sub of subscribers) {
          expect(sub.got).toEqual(Array.from({ length: total - sub.from }, (_, i) => sub.from + i + 1));
        }
        await hub.close();
      }),
      { numRuns: 150 },
    );
  });

  it('gives tenant subscribers each state change once, from a local publish or a NOTIFY, and skips the token stream', async () => {
    const memory = memoryLog(Math.random);
    const hub = hubWith(memory.source);
    const got: number[] = [];
    hub.subscribeTenant(T, (e) => got.push(e.seq));
    const created: StoredEvent = { tenantId: T, conversationId: C, seq: 1, type: 'message.created', data: {} };
    memory.log.push(created, { ...created, seq: 2, type: 'message.delta' }, { ...created, seq: 3, type: 'message.completed' });
    hub.publish([created]);
    hub.notified(`${T}:${C}:1:message.created`);
    hub.notified(`${T}:${C}:2:message.delta`);
    hub.notified(`${T}:${C}:3:message.completed`);
    hub.notified(`${T}:${C}:3:message.completed`);
    await new Promise((r) => setTimeout(r, 30));
    expect(got).toEqual([1, 3]);
    await hub.close();
  });

  it('reads nothing for a notification of its own write (that event comes from memory), and reads for another instance’s', async () => {
    const memory = memoryLog(Math.random);
    let reads = 0;
    const hub = hubWith({ eventsAfter: (...a: any[]) => ((reads += 1), memory.source.eventsAfter(...(a as [string, string, number]))) });
    const got: number[] = [];
    hub.subscribe(T, C, 0, (e) => got.push(e.seq));
    await new Promise((r) => setTimeout(r, 10));
    const joined = reads;
    // Its own write: the NOTIFY arrives before the writer's answer, then the publish.
    const own = memory.append();
    hub.notified(`${T}:${C}:${own.seq}:${own.type}:${hub.origin}`);
    await new Promise((r) => setTimeout(r, 10));
    expect(reads).toBe(joined);
    hub.publish([own]);
    expect(got).toEqual([1]);
    // Another instance's write: only the notification tells of it, so the hub reads it.
    const other = memory.append();
    hub.notified(`${T}:${C}:${other.seq}:${other.type}:someone-else`);
    await new Promise((r) => setTimeout(r, 20));
    expect(reads).toBe(joined + 1);
    expect(got).toEqual([1, 2]);
    await hub.close();
  });

  it('forgets a conversation when its last subscriber leaves', async () => {
    const memory = memoryLog(Math.random);
    const hub = hubWith(memory.source);
    const a = hub.subscribe(T, C, 0, () => {});
    const b = hub.subscribe(T, C, 0, () => {});
    expect(hub.stats).toMatchObject({ conversations: 1, subscribers: 2 });
    a.close();
    b.close();
    expect(hub.stats).toMatchObject({ conversations: 0, subscribers: 0 });
    await hub.close();
  });
});
