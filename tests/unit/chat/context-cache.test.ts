import { describe, expect, it } from 'vitest';
import type { ConversationRow, MessageRow } from '../../../core/chat/chat.repository.ts';
import { ContextCache } from '../../../core/chat/context-cache.ts';

/** The per-instance context cache behind early model requests (decision 0030). */
describe('context cache', () => {
  const T = 'tenant-1';
  const conversation = (id: string) => ({ id, status: 'open', locale: 'en', time_zone: null }) as unknown as ConversationRow;
  const message = (id: string, role: MessageRow['role'], text: string) => ({ id, role, text, status: 'complete', client_message_id: null }) as unknown as MessageRow;
  const settings = { model: null, used: 100 };

  function talking(cache: ContextCache, id: string, month = '2026-12') {
    cache.remember(T, id, { conversation: conversation(id), history: [], settings, question: message(`q-${id}`, 'user', 'hi'), month, epoch: cache.epoch });
    cache.answered(T, id, `q-${id}`, message(`a-${id}`, 'assistant', 'hello'), month);
  }

  it('is usable only once the answer to the remembered message is in, and keeps the history to its length', () => {
    const cache = new ContextCache({ max: 10, ttlMs: 60_000, historyLength: 3 });
    cache.remember(T, 'c1', { conversation: conversation('c1'), history: [message('m1', 'user', 'one'), message('m2', 'assistant', 'two')], settings, question: message('q', 'user', 'three'), month: '2026-12', epoch: cache.epoch });
    expect(cache.usable(T, 'c1')).toBeUndefined();
    cache.answered(T, 'c1', 'another-question', message('x', 'assistant', 'not this one'), '2026-12');
    expect(cache.usable(T, 'c1')).toBeUndefined();
    cache.answered(T, 'c1', 'q', message('a', 'assistant', 'four'), '2026-12');
    expect(cache.usable(T, 'c1')!.history.map((m) => m.text)).toEqual(['two', 'three', 'four']);
  });

  it('keeps talking conversations when a burst of new sessions comes in', () => {
    const cache = new ContextCache({ max: 3, ttlMs: 60_000, historyLength: 10 });
    talking(cache, 'c1');
    for (let i = 0; i < 10; i++) cache.started(T, conversation(`new-${i}`));
    expect(cache.usable(T, 'c1')).toBeDefined();
    expect(cache.usable(T, 'new-9')).toBeDefined();
    expect(cache.usable(T, 'new-0')).toBeUndefined();
  });

  it('forgets an entry past its time, settings read before a change, and a store’s entries on a change', () => {
    let now = 0;
    const cache = new ContextCache({ max: 10, ttlMs: 1_000, historyLength: 10 }, () => now);
    talking(cache, 'c1');
    now = 1_001;
    expect(cache.usable(T, 'c1')).toBeUndefined();

    talking(cache, 'c2');
    const before = cache.epoch;
    cache.forgetTenant(T);
    expect(cache.peek(T, 'c2')).toBeUndefined();
    expect(cache.knowsStore(T)).toBe(false);
    cache.remember(T, 'c3', { conversation: conversation('c3'), history: [], settings, question: message('q3', 'user', 'hi'), month: '2026-12', epoch: before });
    expect(cache.peek(T, 'c3')).toBeUndefined();
    cache.learnStore(T, settings, '2026-12', before);
    expect(cache.knowsStore(T)).toBe(false);
  });

  it('counts a store’s usage from every answer this month, and starts over in a new month', () => {
    const cache = new ContextCache({ max: 10, ttlMs: 60_000, historyLength: 10 });
    talking(cache, 'c1');
    cache.remember(T, 'c2', { conversation: conversation('c2'), history: [], settings, question: message('q2', 'user', 'hi'), month: '2026-12', epoch: cache.epoch });
    cache.answered(T, 'c2', 'q2', { ...message('a2', 'assistant', 'ok'), prompt_tokens: 400, completion_tokens: 50 }, '2026-12');
    expect(cache.settingsOf(T, cache.usable(T, 'c1')!, '2026-12').used).toBe(550);
    expect(cache.settingsOf(T, cache.usable(T, 'c1')!, '2027-01').used).toBe(100);
  });
});

describe('early requests and the cache', () => {
  it("run the cache on the chat service's clock, not the wall clock", async () => {
    const { EarlyRequests } = await import('../../../core/chat/early-requests.ts');
    let now = new Date('2026-12-06T10:00:00Z');
    const early = new EarlyRequests({
      turns: { begin: () => undefined, contextKey: () => '' },
      hub: { listening: true },
      settings: { row: async () => ({}) },
      limits: { messagesPerVisitorPerMinute: 10, messagesPerIpPerMinute: 10 },
      historyLength: 10,
      clock: () => now,
      logger: (await import('pino')).default({ level: 'silent' }),
    } as unknown as ConstructorParameters<typeof EarlyRequests>[0]);
    const conversation = { id: 'c1', status: 'open', locale: 'en', time_zone: null } as unknown as ConversationRow;
    const message = (id: string, role: MessageRow['role']) => ({ id, role, text: id, status: 'complete', client_message_id: null }) as unknown as MessageRow;
    early.remember('t', 'c1', { conversation, history: [], settings: {}, question: message('q', 'user'), month: '2026-12', epoch: early.contexts.epoch });
    early.answered('t', 'c1', 'q', message('a', 'assistant'));
    expect(early.contexts.usable('t', 'c1')).toBeDefined();
    // 31 minutes later on the service's clock (the wall clock has not moved): past the cache's 30.
    now = new Date(now.getTime() + 31 * 60_000);
    expect(early.contexts.usable('t', 'c1')).toBeUndefined();
  });
});
