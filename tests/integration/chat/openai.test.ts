import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { fakeTurn, startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai-server.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createMerchant } from '../../helpers/merchant.ts';
import { completed, createStore, expectWireEvents, liveText, STORE_ORIGIN, WidgetClient, type TestStore } from './helpers.ts';

/**
 * The real openai SDK (adapters/llm/openai.ts) against a protocol-true fake server; the
 * assertions are on what a widget client receives on its event stream and what is stored.
 */
describe('chat with an OpenAI-compatible model', () => {
  let fake: FakeOpenAI;
  let app: TestApp;
  let store: TestStore;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    app = await startTestApp(
      { OPENAI_API_KEY: 'sk-instance-key', OPENAI_BASE_URL: fake.url, OPENAI_MODEL: 'fake-model' },
      { chat: { llm: { timeoutMs: 1_500, idleTimeoutMs: 600, maxRetries: 2, retryBaseDelayMs: 20, retryMaxDelayMs: 50 } } },
    );
    store = await createStore(app.application, {
      persona: 'You are Ava, the warm and witty assistant of Alpine Outfitters.',
      products: [{ handle: 'merino-sweater', title: 'Merino Wool Sweater', description: 'Warm merino crew neck.', priceCents: 8900 }],
    });
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  const storedAnswer = (conversationId: string) =>
    app.application.db.tenant(store.tenantId, (trx) =>
      trx('chat_messages').where({ conversation_id: conversationId, role: 'assistant' }).orderBy('created_at', 'desc').first(),
    );

  it('streams the text without a row per delta (live, announced by NOTIFY), writes the streaming message without waiting for the disk, and the answer durably in one message, its usage counted before it is shown', async () => {
    fake.script(fakeTurn.text('One, two, three, four, five, six.', { chunks: 6, delayMs: 60, usage: { prompt_tokens: 40, completion_tokens: 8 } }));
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey, { locale: 'en' });
    const stream = widget.stream();
    await stream.opened();
    const query = vi.spyOn(pg.Client.prototype, 'query');
    let sent: string[];
    let values: unknown[][];
    try {
      await widget.send('Count to six');
      await stream.until((es) => completed(es).length === 1);
      await app.application.chat.service.turns.idle();
    } finally {
      sent = query.mock.calls.map((call) => (typeof call[0] === 'string' ? call[0] : String((call[0] as { text?: string }).text)));
      values = query.mock.calls.map((call) => (Array.isArray(call[1]) ? (call[1] as unknown[]) : []));
      query.mockRestore();
    }
    await stream.close();
    const mine = sent.filter((q) => q.includes(widget.session.conversationId));
    // The turn's context: one message, no BEGIN/COMMIT exchange.
    const context = mine.filter((q) => q.includes('concierge_turn_context('));
    expect(context).toHaveLength(1);
    expect(context[0]).not.toMatch(/^BEGIN/);
    // No row per delta: the text went out live, and to the other instances by NOTIFY on the delta channel, a round at a time.
    expect(mine.filter((q) => q.includes('"type":"message.delta"'))).toEqual([]);
    const announced = values.flatMap((v) => (Array.isArray(v[0]) && (v[0] as unknown[]).includes('concierge_chat_deltas') ? (v[1] as string[]) : []));
    const pieces = announced.map((p) => JSON.parse(p) as { c: string; o: number; d: string }).filter((p) => p.c === widget.session.conversationId);
    expect(pieces.length).toBeGreaterThanOrEqual(2);
    expect(pieces.map((p) => p.d).join('')).toBe('One, two, three, four, five, six.');
    expect(pieces.map((p) => p.o)).toEqual(pieces.map((_, i) => pieces.slice(0, i).reduce((n, p) => n + p.d.length, 0)));
    const events = await app.application.db.tenant(store.tenantId, (trx) => trx('chat_events').where({ conversation_id: widget.session.conversationId }).pluck('type'));
    expect(events).not.toContain('message.delta');
    // The streaming message's row: created with its event in one message (no BEGIN), not waiting for the WAL flush.
    const created = mine.filter((q) => q.includes('"type":"message.created"') && q.includes("'streaming'"));
    expect(created).toHaveLength(1);
    expect(created[0]).not.toMatch(/^BEGIN/);
    expect(created[0]).toContain(`set_config('synchronous_commit', 'off', true)`);
    // The answer is durable, and the month's usage row is not locked inside its transaction.
    const answer = mine.filter((q) => q.includes('"type":"message.completed"'));
    expect(answer).toHaveLength(1);
    expect(answer[0]).not.toMatch(/^BEGIN/); // one message: its own transaction
    expect(answer[0]).not.toContain('synchronous_commit');
    expect(answer[0]).not.toContain('llm_usage_monthly');
    const usage = sent.findIndex((q) => q.includes('INSERT INTO llm_usage_monthly') && q.includes(store.tenantId));
    expect(usage).toBeGreaterThan(sent.indexOf(answer[0]!));
    const stored = await app.application.db.tenant(store.tenantId, (trx) => trx('llm_usage_monthly').first());
    expect(stored.completion_tokens).toBeGreaterThanOrEqual(8);
  });

  it('streams the model’s text chunks to the widget in order and stores the answer with its token usage', async () => {
    fake.script(fakeTurn.text('Hello! Our merino sweater is lovely.', { chunks: 5, delayMs: 15, usage: { prompt_tokens: 321, completion_tokens: 12 } }));
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey, { locale: 'en' });
    const stream = widget.stream();
    await stream.opened();
    await widget.send('Tell me about the sweater');
    const events = await stream.until((es) => completed(es).length === 1);
    expectWireEvents(events);
    expect(liveText(events)).toBe('Hello! Our merino sweater is lovely.');
    expect(completed(events)[0]!.data.text).toBe('Hello! Our merino sweater is lovely.');
    await stream.close();

    const request = fake.chatRequests()[0]!;
    expect(request.headers.authorization).toBe('Bearer sk-instance-key');
    expect(request.body.model).toBe('fake-model');
    expect(request.body.stream).toBe(true);
    const system = request.body.messages[0];
    expect(system.role).toBe('system');
    expect(system.content).toContain('You are Ava, the warm and witty assistant of Alpine Outfitters.');
    expect(system.content).toContain('Europe/Berlin');
    expect(request.body.messages.at(-1)).toEqual({ role: 'user', content: 'Tell me about the sweater' });
    expect(request.body.tools.map((t: any) => t.function.name)).toEqual(expect.arrayContaining(['search_products', 'get_product', 'search_faq', 'lookup_order', 'handoff_to_human']));

    await app.application.chat.service.turns.idle();
    const row = await storedAnswer(widget.session.conversationId);
    expect(row).toMatchObject({ text: 'Hello! Our merino sweater is lovely.', status: 'complete', prompt_tokens: 321, completion_tokens: 12, model: 'fake-model', adapter: 'openai' });
    expect(row.response_ms).toBeGreaterThanOrEqual(0);
  });

  it('runs the tool loop: the model searches the catalog, the widget gets a product card, the model sees the result', async () => {
    fake.script(
      fakeTurn.toolCalls([{ name: 'search_products', arguments: { query: 'merino sweater', limit: 3 } }], { fragments: 4 }),
      fakeTurn.text('We have the Merino Wool Sweater for 89 EUR.', { chunks: 3 }),
    );
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    const stream = widget.stream();
    await widget.send('Any merino sweaters?');
    const events = await stream.until((es) => completed(es).length === 1);
    expectWireEvents(events);
    const answer = completed(events)[0]!.data;
    expect(answer.text).toBe('We have the Merino Wool Sweater for 89 EUR.');
    expect(answer.cards).toEqual([
      { type: 'product', productId: expect.any(String), title: 'Merino Wool Sweater', price: { amount: '89.00', currency: 'EUR' }, imageUrl: null, url: `${STORE_ORIGIN}/products/merino-sweater` },
    ]);
    await stream.close();

    const [first, second] = fake.chatRequests();
    expect(first!.body.messages.at(-1).role).toBe('user');
    const toolMessage = second!.body.messages.at(-1);
    expect(toolMessage.role).toBe('tool');
    expect(JSON.parse(toolMessage.content).items[0]).toMatchObject({ title: 'Merino Wool Sweater', price: { amount: '89.00', currency: 'EUR' } });
    expect(second!.body.messages.at(-2).tool_calls[0].function).toEqual({ name: 'search_products', arguments: JSON.stringify({ query: 'merino sweater', limit: 3 }) });

    // The next turn's context carries the tool steps of this one.
    fake.script(fakeTurn.text('Yes, size M is fine.'));
    const stream2 = widget.stream(events.at(-1)!.id);
    await widget.send('Is it warm?');
    await stream2.until((es) => completed(es).length === 1);
    await stream2.close();
    const third = fake.chatRequests()[2]!;
    expect(third.body.messages.map((m: any) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'user']);
  });

  it('stops the tool loop after the step limit and makes the model answer without tools', async () => {
    const looping = fakeTurn.toolCalls([{ name: 'search_faq', arguments: { query: 'shipping' } }]);
    fake.script(looping, looping, looping, looping, looping, fakeTurn.text('Shipping takes 2 days.'));
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    const stream = widget.stream();
    await widget.send('How long does shipping take?');
    const events = await stream.until((es) => completed(es).length === 1);
    expect(completed(events)[0]!.data.text).toBe('Shipping takes 2 days.');
    const requests = fake.chatRequests();
    expect(requests).toHaveLength(6);
    expect(requests[4]!.body.tools).toBeDefined();
    expect(requests[5]!.body.tools).toBeUndefined();
    await stream.close();
  });

  it('retries a 429 and a 503 before the first token, invisibly to the shopper', async () => {
    fake.script(fakeTurn.error(429, { retryAfterMs: '10' }), fakeTurn.error(503), fakeTurn.text('All good.'));
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    const stream = widget.stream();
    await widget.send('hi');
    const events = await stream.until((es) => completed(es).length === 1);
    expect(completed(events)[0]!.data.text).toBe('All good.');
    expect(events.some((e) => e.event === 'error')).toBe(false);
    expect(fake.chatRequests()).toHaveLength(3);
    await stream.close();
  });

  for (const [name, turns] of [
    ['5xx on every attempt', () => [fakeTurn.error(500), fakeTurn.error(502), fakeTurn.error(503)]],
    ['a timeout (the server never answers)', () => [fakeTurn.hang(), fakeTurn.hang(), fakeTurn.hang()]],
  ] as const) {
    it(`answers ${name} with a clear message, the email offer and an error event; the conversation is kept`, async () => {
      fake.script(...turns());
      const widget = new WidgetClient(app.url);
      await widget.start(store.botKey, { locale: 'de' });
      const stream = widget.stream();
      const messageId = await widget.send('Hallo, habt ihr Pullover?');
      const events = await stream.until((es) => es.some((e) => e.event === 'error') && es.some((e) => e.event === 'typing' && e.data.active === false), 15_000);
      expectWireEvents(events);
      const error = events.find((e) => e.event === 'error')!;
      expect(error.data).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', messageId });
      expect(error.data.message).toMatch(/E-Mail-Adresse/);
      expect(completed(events)[0]!.data.text).toBe(error.data.message);
      await stream.close();

      const history = await (await fetch(`${app.url}/widget/v1/conversations/${widget.session.conversationId}/messages`, { headers: widget.headers() })).json();
      expect(history.items.map((m: any) => m.role)).toEqual(['user', 'assistant']);
      expect(history.items[0].text).toBe('Hallo, habt ihr Pullover?');

      await app.application.analytics.recorder.flush();
      const recorded = await app.application.db.tenant(store.tenantId, (trx) =>
        trx('analytics_events').where({ conversation_id: widget.session.conversationId, type: 'llm.error' }).select('adapter', 'model'),
      );
      expect(recorded).toEqual([{ adapter: 'openai', model: 'fake-model' }]);
    });
  }

  it('keeps what was streamed when the stream breaks mid-answer, then apologises', async () => {
    fake.script(fakeTurn.breakAfter(2, 'Our sweaters are made of fine wool.', { chunks: 4, delayMs: 10 }));
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    const stream = widget.stream();
    await widget.send('Tell me about sweaters');
    const events = await stream.until((es) => es.some((e) => e.event === 'error'), 15_000);
    const shown = events.filter((e) => e.event === 'message.delta').map((e) => e.data.delta).join('');
    expect(shown.length).toBeGreaterThan(0);
    expect('Our sweaters are made of fine wool.'.startsWith(shown)).toBe(true);
    const final = completed(events)[0]!.data.text;
    expect(final.startsWith(shown.trimEnd())).toBe(true);
    expect(final).toMatch(/email address/);
    expect(fake.chatRequests()).toHaveLength(1); // text was shown: never replayed by a retry
    await stream.close();
  });

  it('never asks the model while a person has taken over, nor for a repeated message', async () => {
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    const agent = await createMerchant(app.application, { tenantId: store.tenantId, role: 'agent' });
    await fetch(`${app.url}/api/v1/conversations/${widget.session.conversationId}/takeover`, { method: 'POST', headers: agent.headers });
    await widget.send('is anyone there?', { clientMessageId: 'once' });
    await widget.send('is anyone there?', { clientMessageId: 'once' });
    await app.application.chat.service.turns.idle();
    expect(fake.chatRequests()).toHaveLength(0);
    await fetch(`${app.url}/api/v1/conversations/${widget.session.conversationId}/release`, { method: 'POST', headers: agent.headers });
    fake.script(fakeTurn.text('Back to me.'));
    await widget.send('hello bot', { clientMessageId: 'twice' });
    await widget.send('hello bot', { clientMessageId: 'twice' });
    await app.application.chat.service.turns.idle();
    expect(fake.chatRequests()).toHaveLength(1);
  });

  it('uses a store’s own key, model and base URL, never returns the key, and falls back offline past the monthly budget', async () => {
    const own = await startFakeOpenAI();
    const store = await createStore(app.application, {
      products: [{ handle: 'merino-sweater', title: 'Merino Wool Sweater', description: 'Warm merino crew neck.', priceCents: 8900 }],
    });
    try {
      const owner = await createMerchant(app.application, { tenantId: store.tenantId, role: 'owner' });
      const put = await fetch(`${app.url}/api/v1/settings/llm`, {
        method: 'PUT',
        headers: owner.headers,
        body: JSON.stringify({ apiKey: 'sk-store-own-key', model: 'store-model', baseUrl: own.url, monthlyTokenBudget: 1_000_000 }),
      });
      expect(put.status).toBe(200);
      const settings = await put.json();
      expect(settings).toMatchObject({ hasApiKey: true, model: 'store-model', baseUrl: own.url, active: 'tenant' });
      expect(JSON.stringify(settings)).not.toContain('sk-store-own-key');
      const sealed = await app.application.db.tenant(store.tenantId, (trx) => trx('tenant_llm_settings').first('api_key_encrypted'));
      expect(sealed.api_key_encrypted).not.toContain('sk-store-own-key');

      own.script(fakeTurn.text('From your own model.', { usage: { prompt_tokens: 600, completion_tokens: 500 } }));
      const widget = new WidgetClient(app.url);
      await widget.start(store.botKey);
      const stream = widget.stream();
      await widget.send('hello');
      await stream.until((es) => completed(es).length === 1);
      expect(own.chatRequests()[0]!.headers.authorization).toBe('Bearer sk-store-own-key');
      expect(own.chatRequests()[0]!.body.model).toBe('store-model');
      expect(fake.chatRequests()).toHaveLength(0);

      // 1,100 tokens used; a budget of 1,000 is spent: the offline model answers, no provider is called.
      await fetch(`${app.url}/api/v1/settings/llm`, { method: 'PUT', headers: owner.headers, body: JSON.stringify({ monthlyTokenBudget: 1000 }) });
      const view = await (await fetch(`${app.url}/api/v1/settings/llm`, { headers: owner.headers })).json();
      expect(view).toMatchObject({ usedTokensThisMonth: 1100, active: 'budget' });
      const before = own.chatRequests().length;
      const next = stream.events.length;
      await widget.send('Do you have a merino sweater?');
      const events = await stream.until((es) => completed(es.slice(next)).length === 1);
      expect(completed(events.slice(next))[0]!.data.text).toContain('Merino Wool Sweater');
      expect(own.chatRequests()).toHaveLength(before);
      expect(fake.chatRequests()).toHaveLength(0);
      await stream.close();
      await app.application.chat.service.turns.idle();
      const answer = await app.application.db.tenant(store.tenantId, (trx) =>
        trx('chat_messages').where({ conversation_id: widget.session.conversationId, role: 'assistant' }).orderBy('created_at', 'desc').first(),
      );
      expect(answer.adapter).toBe('offline');

      const agent = await createMerchant(app.application, { tenantId: store.tenantId, role: 'agent' });
      expect((await fetch(`${app.url}/api/v1/settings/llm`, { method: 'PUT', headers: agent.headers, body: '{}' })).status).toBe(403);
    } finally {
      await own.close();
    }
  });
});
