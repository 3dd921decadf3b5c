/**
 * The OpenAI adapter through the real `openai` SDK against the protocol-true fake server
 * (tests/fakes/openai-server.ts). Assertions are on the events we stream and on what the fake
 * received, so a broken mapping, retry or timeout shows up here.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAiLlm, parseRetryAfter, type OpenAiLlmOptions } from '../../../adapters/llm/openai.ts';
import { LlmError, type LlmRequest, type LlmStreamEvent } from '../../../core/chat/llm.port.ts';
import { coreToolSpecs } from '../../../adapters/llm/core-tools.ts';
import { fakeTurn, splitInto, startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai-server.ts';

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

const KEY = 'sk-test-default-0123456789';

function llm(overrides: Partial<OpenAiLlmOptions> = {}) {
  return createOpenAiLlm({
    apiKey: KEY,
    baseURL: fake.url,
    model: 'gpt-test',
    timeoutMs: 2_000,
    idleTimeoutMs: 2_000,
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 20,
    ...overrides,
  });
}

function req(overrides: Partial<LlmRequest> = {}): LlmRequest {
  return {
    messages: [
      { role: 'system', content: 'You are a shop assistant.' },
      { role: 'user', content: 'Hello?' },
    ],
    tools: [],
    ...overrides,
  };
}

/** Collects events until the stream ends or fails; the error (if any) is returned, not thrown. */
async function collect(iterable: AsyncIterable<LlmStreamEvent>) {
  const events: LlmStreamEvent[] = [];
  let error: unknown;
  try {
    for await (const e of iterable) events.push(e);
  } catch (err) {
    error = err;
  }
  const text = events.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('');
  return { events, error, text };
}

describe('openai adapter: streaming', () => {
  it('streams text as several deltas in order, then one done with the server usage', async () => {
    fake.script(fakeTurn.text('The quick brown fox jumps over the lazy dog', { chunks: 5, usage: { prompt_tokens: 42, completion_tokens: 9 } }));
    const { events, error, text } = await collect(llm().stream(req()));
    expect(error).toBeUndefined();
    const deltas = events.filter((e) => e.type === 'delta');
    expect(deltas.length).toBe(5);
    expect(text).toBe('The quick brown fox jumps over the lazy dog');
    expect(events.at(-1)).toEqual({ type: 'done', finishReason: 'stop', usage: { promptTokens: 42, completionTokens: 9 } });
    expect(events.filter((e) => e.type === 'done')).toHaveLength(1);
  });

  it('sends model, mapped messages, tools and stream options the way the API expects', async () => {
    fake.script(fakeTurn.text('ok'));
    const tools = coreToolSpecs(['search_products', 'find_slots']);
    await collect(
      llm().stream(
        req({
          maxOutputTokens: 300,
          tools,
          messages: [
            { role: 'system', content: 'sys' },
            { role: 'user', content: 'shoes?' },
            { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'search_products', arguments: '{"query":"shoes"}' }] },
            { role: 'tool', toolCallId: 'call_1', name: 'search_products', content: '{"items":[]}' },
          ],
        }),
      ),
    );
    const [sent] = fake.chatRequests();
    expect(sent!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(sent!.body).toMatchObject({
      model: 'gpt-test',
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 300,
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'shoes?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'search_products', arguments: '{"query":"shoes"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '{"items":[]}' },
      ],
    });
    expect(sent!.body.tools).toEqual(tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } })));
  });

  it('leaves tools out entirely when none are offered', async () => {
    fake.script(fakeTurn.text('ok'));
    await collect(llm().stream(req()));
    expect(fake.chatRequests()[0]!.body).not.toHaveProperty('tools');
  });

  it('assembles tool-call fragments into complete calls with the exact JSON', async () => {
    const args1 = { query: 'red running shoes', limit: 3 };
    const args2 = { query: 'return policy' };
    fake.script(
      fakeTurn.toolCalls(
        [
          { id: 'call_a', name: 'search_products', arguments: args1 },
          { id: 'call_b', name: 'search_faq', arguments: args2 },
        ],
        { fragments: 7 },
      ),
    );
    const { events, error } = await collect(llm().stream(req({ tools: coreToolSpecs() })));
    expect(error).toBeUndefined();
    // The fake really split the arguments: more than one fragment per call went over the wire.
    const calls = events.filter((e) => e.type === 'tool_call');
    expect(calls).toEqual([
      { type: 'tool_call', call: { id: 'call_a', name: 'search_products', arguments: JSON.stringify(args1) } },
      { type: 'tool_call', call: { id: 'call_b', name: 'search_faq', arguments: JSON.stringify(args2) } },
    ]);
    const done = events.at(-1);
    expect(done).toMatchObject({ type: 'done', finishReason: 'tool_calls' });
    expect(done?.type === 'done' && done.usage.completionTokens).toBeGreaterThan(0);
  });

  it('estimates usage when the server sends none', async () => {
    fake.script(fakeTurn.text('twelve chars', { omitUsage: true }));
    const { events } = await collect(llm().stream(req()));
    const done = events.at(-1)!;
    expect(done.type).toBe('done');
    if (done.type !== 'done') return;
    expect(done.usage.promptTokens).toBeGreaterThan(0);
    expect(done.usage.completionTokens).toBe(3);
  });

  it('reports a length stop', async () => {
    fake.script(fakeTurn.text('cut off', { finishReason: 'length' }));
    const { events } = await collect(llm().stream(req()));
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'length' });
  });
});

describe('openai adapter: retries and errors', () => {
  it('retries a 429 and succeeds; the server saw two requests; retry-after is honoured', async () => {
    fake.script(fakeTurn.error(429, { retryAfter: '0.3' }), fakeTurn.text('after the wait'));
    const started = Date.now();
    const { text, error } = await collect(llm().stream(req()));
    expect(error).toBeUndefined();
    expect(text).toBe('after the wait');
    expect(fake.chatRequests()).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  });

  it('does not wait for a retry-after beyond its cap: RATE_LIMITED at once', async () => {
    fake.script(fakeTurn.error(429, { retryAfter: '120' }), fakeTurn.text('never reached'));
    const { error } = await collect(llm({ maxRetryAfterMs: 1_000 }).stream(req()));
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    expect(fake.chatRequests()).toHaveLength(1);
  });

  it('treats an exhausted quota (429 insufficient_quota) as not retryable', async () => {
    fake.script(fakeTurn.error(429, { code: 'insufficient_quota', message: 'You exceeded your current quota' }));
    const { error } = await collect(llm().stream(req()));
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryable: false });
    expect(fake.chatRequests()).toHaveLength(1);
  });

  it('gives up after maxRetries 500s with a retryable UPSTREAM error', async () => {
    fake.script(fakeTurn.error(500), fakeTurn.error(502), fakeTurn.error(503), fakeTurn.text('too late'));
    const { error, events } = await collect(llm({ maxRetries: 2 }).stream(req()));
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ code: 'UPSTREAM', retryable: true });
    expect(fake.chatRequests()).toHaveLength(3);
    expect(fake.pending()).toBe(1);
  });

  it('maps 401 to AUTH without retrying', async () => {
    fake.script(fakeTurn.error(401, { message: 'Incorrect API key provided' }));
    const { error } = await collect(llm().stream(req()));
    expect(error).toMatchObject({ code: 'AUTH', retryable: false });
    expect(fake.chatRequests()).toHaveLength(1);
  });

  it('maps 400 to a non-retryable UPSTREAM error without retrying', async () => {
    fake.script(fakeTurn.error(400, { message: 'context_length_exceeded' }));
    const { error } = await collect(llm().stream(req()));
    expect(error).toMatchObject({ code: 'UPSTREAM', retryable: false });
    expect(fake.chatRequests()).toHaveLength(1);
  });

  it('a stream broken after deltas fails without replaying what was already sent', async () => {
    fake.script(fakeTurn.breakAfter(2, 'alpha beta gamma delta', { chunks: 4 }), fakeTurn.text('SHOULD NOT APPEAR'));
    const { events, error, text } = await collect(llm().stream(req()));
    expect(events.filter((e) => e.type === 'delta')).toHaveLength(2);
    expect(text).toBe(splitInto('alpha beta gamma delta', 4).slice(0, 2).join(''));
    expect(events.some((e) => e.type === 'done')).toBe(false);
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toMatchObject({ code: 'UPSTREAM' });
    expect(fake.chatRequests()).toHaveLength(1);
    expect(fake.pending()).toBe(1);
  });

  it('a stream broken before any delta is retried transparently', async () => {
    fake.script(fakeTurn.breakAfter(0, 'lost'), fakeTurn.text('second try'));
    const { text, error } = await collect(llm().stream(req()));
    expect(error).toBeUndefined();
    expect(text).toBe('second try');
    expect(fake.chatRequests()).toHaveLength(2);
  });

  it('a server that never answers hits the timeout (TIMEOUT, retryable)', async () => {
    fake.script(fakeTurn.hang());
    const started = Date.now();
    const { error } = await collect(llm({ timeoutMs: 150, maxRetries: 0 }).stream(req()));
    expect(error).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('a stream that goes silent mid-way hits the idle timeout and keeps its deltas', async () => {
    fake.script(fakeTurn.hang({ afterChunks: 1, text: 'first second', chunks: 2 }), fakeTurn.text('SHOULD NOT APPEAR'));
    const started = Date.now();
    const { error, text } = await collect(llm({ idleTimeoutMs: 150 }).stream(req()));
    expect(text).toBe('first ');
    expect(error).toMatchObject({ code: 'TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(fake.chatRequests()).toHaveLength(1);
  });

  it('a slow consumer does not count against the idle timeout', async () => {
    fake.script(fakeTurn.text('one two three', { chunks: 3 }));
    const events: LlmStreamEvent[] = [];
    for await (const e of llm({ idleTimeoutMs: 100 }).stream(req())) {
      events.push(e);
      await new Promise((r) => setTimeout(r, 150)); // the engine is busy persisting/fanning out
    }
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
  });

  it('retries a hang before the first byte, then succeeds', async () => {
    fake.script(fakeTurn.hang(), fakeTurn.text('second try'));
    const { text, error } = await collect(llm({ timeoutMs: 150, maxRetries: 1 }).stream(req()));
    expect(error).toBeUndefined();
    expect(text).toBe('second try');
    expect(fake.chatRequests()).toHaveLength(2);
  });
});

describe('openai adapter: per-tenant keys, abort, secrecy', () => {
  it('uses the per-request API key and model', async () => {
    fake.script(fakeTurn.text('a'), fakeTurn.text('b'), fakeTurn.text('c'));
    const adapter = llm();
    await collect(adapter.stream(req({ apiKey: 'sk-tenant-one', model: 'tenant-model' })));
    await collect(adapter.stream(req({ apiKey: 'sk-tenant-two' })));
    await collect(adapter.stream(req()));
    const [one, two, three] = fake.chatRequests();
    expect(one!.headers.authorization).toBe('Bearer sk-tenant-one');
    expect(one!.body.model).toBe('tenant-model');
    expect(two!.headers.authorization).toBe('Bearer sk-tenant-two');
    expect(two!.body.model).toBe('gpt-test');
    expect(three!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('aborts mid-stream with ABORTED and stops reading', async () => {
    fake.script(fakeTurn.text('one two three four five six seven eight nine ten', { chunks: 10, delayMs: 40 }));
    const controller = new AbortController();
    const events: LlmStreamEvent[] = [];
    const started = Date.now();
    let error: unknown;
    try {
      for await (const e of llm().stream(req({ signal: controller.signal }))) {
        events.push(e);
        if (events.length === 2) controller.abort();
      }
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'ABORTED', retryable: false });
    expect(events).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(300);
  });

  it('an already aborted signal sends nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const { error } = await collect(llm().stream(req({ signal: controller.signal })));
    expect(error).toMatchObject({ code: 'ABORTED' });
    expect(fake.chatRequests()).toHaveLength(0);
  });

  it('aborting during a retry wait ends with ABORTED', async () => {
    fake.script(fakeTurn.error(503, { retryAfter: '5' }), fakeTurn.text('never'));
    const controller = new AbortController();
    // Abort once the first attempt was answered (503, retry-after 5 s), i.e. inside the retry
    // wait — not after a fixed delay, which a loaded machine can overrun before the first request.
    const watch = setInterval(() => {
      if (fake.chatRequests().length >= 1) {
        clearInterval(watch);
        setTimeout(() => controller.abort(), 50);
      }
    }, 5);
    const started = Date.now();
    const { error } = await collect(llm().stream(req({ signal: controller.signal })));
    clearInterval(watch);
    expect(error).toMatchObject({ code: 'ABORTED' });
    expect(Date.now() - started).toBeLessThan(4_000); // far less than the 5 s retry-after
    expect(fake.chatRequests()).toHaveLength(1);
  });

  it('never puts the API key in logs or error messages, even when the server echoes it', async () => {
    const secret = 'sk-tenant-very-secret-key-9876';
    const logged: string[] = [];
    const logger = { warn: (obj: Record<string, unknown>, msg: string) => void logged.push(JSON.stringify(obj) + msg) };
    fake.script(
      fakeTurn.error(503, { message: `upstream broke for key ${secret}` }),
      fakeTurn.error(401, { message: `Incorrect API key provided: ${secret}` }),
    );
    const { error } = await collect(llm({ logger }).stream(req({ apiKey: secret })));
    expect(fake.chatRequests()[0]!.headers.authorization).toBe(`Bearer ${secret}`);
    expect(logged.length).toBe(1);
    expect(error).toMatchObject({ code: 'AUTH' });
    const err = error as LlmError;
    expect(err.message).toContain('[redacted]');
    expect(err.message + JSON.stringify(err) + logged.join('\n')).not.toContain(secret);
  });
});

describe('parseRetryAfter', () => {
  it('reads retry-after-ms, seconds and HTTP dates', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
    expect(parseRetryAfter(new Headers({ 'retry-after': '2' }))).toBe(2000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }), now)).toBe(3000);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(parseRetryAfter(new Headers())).toBeUndefined();
  });
});
