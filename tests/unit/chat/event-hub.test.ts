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

const hubWith = (source: ConstructorParameters<typeof ChatEventHub>[0]['source'], pageSize = 500) =>
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
            hub.subscribe(T, C, from, (e) => sub.got.push(e.seq!));
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
    hub.subscribe(T, C, 0, (e) => got.push(e.seq!));
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

  it('sends every stream an answer’s live text exactly once and in order — from this instance, other instances, after a gap, to streams that join mid-answer — and nothing after its completion', async () => {
    type LiveStep = { kind: 'piece'; size: number; from: 'local' | 'remote' | 'remote-lost' } | { kind: 'join' } | { kind: 'resume'; which: number } | { kind: 'logged' } | { kind: 'wait'; ms: number };
    const liveArb: fc.Arbitrary<LiveStep> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('piece' as const), size: fc.integer({ min: 1, max: 7 }), from: fc.constantFrom('local' as const, 'remote' as const, 'remote-lost' as const) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('join' as const) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('resume' as const), which: fc.nat() }) },
      // Another event of the conversation, logged while the answer streams (its created, typing, …).
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('logged' as const) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 3 }) }) },
    );
    const M = '33333333-3333-4333-8333-333333333333';
    await fc.assert(
      fc.asyncProperty(fc.array(liveArb, { minLength: 1, maxLength: 40 }), fc.string({ minLength: 40, maxLength: 80 }), async (steps, answer) => {
        const memory = memoryLog(() => 0.5);
        let written = 0; // the answer's text the writer has produced so far
        let saved = 0; // … and saved to the database (it lags)
        const hub = hubWith({
          ...memory.source,
          answerText: async () => {
            await new Promise((r) => setTimeout(r, 1));
            saved = written; // the next save catches up
            return { text: answer.slice(0, saved), streaming: true };
          },
        });
        // A client: what its streams delivered, in order; a resumed one goes on from its last id.
        type Client = { got: { offset: number; delta: string }[]; lastId?: string; sub?: { close(): void } };
        const streams: Client[] = [];
        const listen = (client: Client, after: number, resume?: { ref: string; offset: number }) => {
          client.sub = hub.subscribe(
            T,
            C,
            after,
            (e) => {
              if (e.seq !== undefined) {
                client.lastId = String(e.seq);
                return;
              }
              client.lastId = e.id; // a live delta's id, or a position mark after a logged event
              if (e.type === 'message.delta') client.got.push({ offset: e.data.offset, delta: e.data.delta });
            },
            resume,
          );
        };
        const join = () => {
          const client: Client = { got: [] };
          streams.push(client);
          listen(client, memory.log.length);
        };
        for (const step of steps) {
          if (step.kind === 'join') join();
          else if (step.kind === 'logged') hub.publish([memory.append()]);
          else if (step.kind === 'resume') {
            const client = streams[step.which % Math.max(1, streams.length)];
            if (!client?.lastId) continue;
            client.sub!.close();
            const [seq, ref, offset] = client.lastId.split('.');
            listen(client, Number(seq), ref ? { ref, offset: Number(offset) } : undefined);
          }
          else if (step.kind === 'wait') await new Promise((r) => setTimeout(r, step.ms));
          else if (written < answer.length) {
            const delta = { tenantId: T, conversationId: C, messageId: M, offset: written, delta: answer.slice(written, written + step.size) };
            written += delta.delta.length;
            if (step.from === 'local') hub.liveDelta(delta);
            else if (step.from === 'remote') hub.deltaNotified(JSON.stringify({ t: T, c: C, m: M, o: delta.offset, d: delta.delta, s: 'other' }));
            // 'remote-lost': the notification never arrived (a LISTEN gap)
          }
        }
        join();
        await new Promise((r) => setTimeout(r, 5));
        // The writer's last round: its text reaches every instance.
        hub.deltaNotified(JSON.stringify({ t: T, c: C, m: M, o: 0, d: answer.slice(0, written), s: 'other' }));
        await new Promise((r) => setTimeout(r, 5));
        for (const stream of streams) {
          let have = '';
          for (const piece of stream.got) {
            expect(piece.offset).toBe(have.length); // contiguous, across resumes too: nothing twice, nothing skipped
            have += piece.delta;
          }
          expect(have).toBe(answer.slice(0, written));
        }
        // The completion: logged, and the end of the live text.
        const completed = memory.append();
        const done: StoredEvent = { ...completed, type: 'message.completed', data: { messageId: M } };
        memory.log[memory.log.length - 1] = done;
        hub.publish([done]);
        const after = streams.map((s) => s.got.length);
        hub.liveDelta({ tenantId: T, conversationId: C, messageId: M, offset: written, delta: 'late' });
        hub.deltaNotified(JSON.stringify({ t: T, c: C, m: M, o: written, d: 'late', s: 'other' }));
        // A new answer's text after the completion starts from scratch (a late delta of the old one would begin a new entry at its offset: a gap, never sent).
        expect(streams.map((s) => s.got.length)).toEqual(after);
        await hub.close();
      }),
      { numRuns: 300 },
    );
  });

  it('announces an answer’s text in pieces a NOTIFY can carry, never splitting a character', async () => {
    const sent: string[] = [];
    const hub = new ChatEventHub({
      source: { eventsAfter: async () => [] },
      listener: { on: () => () => {}, onReconnect: () => () => {}, notify: async (_c: string, payloads: string[]) => (sent.push(...payloads), true), listening: true } as never,
      logger: pino({ level: 'silent' }),
    });
    const text = 'a'.repeat(999) + '😀' + 'é"\\\n'.repeat(700);
    await hub.announceDelta({ tenantId: T, conversationId: C, messageId: C, offset: 5, delta: text });
    expect(sent.length).toBeGreaterThan(1);
    let rebuilt = '';
    for (const payload of sent) {
      expect(Buffer.byteLength(payload)).toBeLessThan(8000);
      const piece = JSON.parse(payload) as { o: number; d: string };
      expect(piece.o).toBe(5 + rebuilt.length);
      expect(piece.d).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/); // no half of a character
      rebuilt += piece.d;
    }
    expect(rebuilt).toBe(text);
    await hub.close();
  });
});
