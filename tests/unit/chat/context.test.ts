import { describe, expect, it } from 'vitest';
import type { MessageRow } from '../../../core/chat/chat.repository.ts';
import { buildHistory, buildSystemPrompt, estimateTokens, instructionsBlock } from '../../../core/chat/context.ts';

let n = 0;
const message = (role: MessageRow['role'], text: string, extra: Partial<MessageRow> = {}): MessageRow =>
  ({
    id: `m${++n}`,
    role,
    text,
    status: 'complete',
    llm_steps: null,
    error_code: null,
    cards: [],
    created_at: new Date(),
    ...extra,
  }) as MessageRow;

describe('chat context', () => {
  it('puts persona, store facts and the rules in the system prompt, in the shopper’s language and the store’s zone', () => {
    const prompt = buildSystemPrompt({
      botName: 'Ava',
      storeName: 'Alpine Outfitters',
      persona: 'We are a family business since 1952.',
      storeTimeZone: 'Europe/Berlin',
      shopperLocale: 'de-AT',
      shopperTimeZone: 'America/New_York',
      verified: false,
      toolNames: ['search_products', 'lookup_order'],
      now: new Date('2026-03-29T00:30:00Z'),
    });
    expect(prompt).toContain('You are Ava, the shopping assistant of the online store "Alpine Outfitters".');
    expect(prompt).toContain('We are a family business since 1952.');
    expect(prompt).toContain('Sunday, 29 March 2026, 01:30');
    expect(prompt).toContain('Answer in German');
    expect(prompt).toContain("The shopper's time zone is America/New_York.");
    expect(prompt).toContain('lookup_order');
    expect(prompt).not.toContain('list_services');
  });

  it('keeps the instructions block free of anything that changes per turn (the output guard compares against it)', () => {
    const input = { botName: 'Ava', storeName: 'S', persona: 'P', toolNames: ['search_products'] };
    expect(instructionsBlock(input)).toBe(instructionsBlock(input));
    expect(instructionsBlock(input)).not.toMatch(/\d{4}/);
  });

  it('gives the model the last N messages with their tool steps, and an agent’s words as the store’s', () => {
    const history = [
      message('user', 'one'),
      message('assistant', 'found it', {
        llm_steps: [
          { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'search_products', arguments: '{"query":"x"}' }] },
          { role: 'tool', toolCallId: 'c1', name: 'search_products', content: '{"items":[]}' },
        ],
      }),
      message('agent', 'Sam here'),
      message('assistant', 'Sorry, provider down', { error_code: 'TIMEOUT' }),
      message('assistant', 'half', { status: 'streaming' }),
      message('user', 'two'),
    ];
    expect(buildHistory(history).map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'assistant', 'user']);
    expect(buildHistory(history)[4]).toEqual({ role: 'assistant', content: "(A member of the store's team wrote:) Sam here" });
    expect(buildHistory(history, { maxMessages: 2 }).map((m) => m.role)).toEqual(['user']);
  });

  it('drops the oldest turns to fit the token budget but always keeps the newest message', () => {
    const long = 'x'.repeat(4_000);
    const history = [message('user', long), message('assistant', long), message('user', long), message('user', 'latest')];
    const kept = buildHistory(history, { historyTokenBudget: 1_100 });
    expect(kept.at(-1)).toEqual({ role: 'user', content: 'latest' });
    expect(estimateTokens(kept)).toBeLessThanOrEqual(1_100);
    expect(kept).toHaveLength(2);
    expect(buildHistory([message('user', long)], { historyTokenBudget: 10 })).toHaveLength(1);
  });
});
