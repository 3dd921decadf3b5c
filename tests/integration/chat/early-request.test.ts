import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai-server.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createMerchant } from '../../helpers/merchant.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { completed, createStore, WidgetClient, type TestStore } from './helpers.ts';

/**
 * Issue 13, first token: a message asks the model at once from the context this instance cached
 * (ContextCache), while the database is read; the read decides. Two instances on one database, the
 * real openai SDK against the fake model (which echoes the last user message when nothing is
 * scripted), assertions on what the model was asked and what the shopper saw.
 */
describe('early model requests from the cached context', () => {
  let fake: FakeOpenAI;
  let a: TestApp;
  let b: TestApp;
  let store: TestStore;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    const env = { OPENAI_API_KEY: 'sk-instance-key', OPENAI_BASE_URL: fake.url, OPENAI_MODEL: 'fake-model' };
    a = await startTestApp(env);
    b = await startTestApp(env, { database: a.database });
    store = await createStore(a.application);
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    await b.stop();
    await a.stop();
    await fake.close();
  });

  const early = (app: TestApp) => ({ ...app.application.chat.service.earlyRequests });
  const userAndAssistant = (body: any) => body.messages.filter((m: any) => m.role !== 'system').map((m: any) => `${m.role}: ${m.content}`);

  /** Sends a message through `app` and waits until its answer is complete and the turn has finished. */
  async function ask(widget: WidgetClient, app: TestApp, text: string) {
    const stream = widget.stream(undefined, 'query', app.url);
    await stream.opened();
    const here = Object.assign(new WidgetClient(app.url), { session: widget.session });
    const id = await here.send(text);
    const answerTo = (es: typeof stream.events) => {
      const asked = es.findIndex((e) => e.event === 'message.created' && e.data.messageId === id);
      return asked < 0 ? undefined : completed(es.slice(asked))[0];
    };
    const events = await stream.until((es) => answerTo(es) !== undefined);
    await app.application.chat.service.turns.idle();
    await stream.close();
    return answerTo(events)!.data.text as string;
  }

  it('asks the model before the database answers, with exactly the history the database holds, for a first message and a follow-up', async () => {
    // A conversation of a store this instance knows: its first message is asked early too.
    const warm = new WidgetClient(a.url);
    await warm.start(store.botKey);
    await ask(warm, a, 'warming up');

    const widget = new WidgetClient(a.url);
    await widget.start(store.botKey);
    await waitFor(async () => a.application.chat.service.contexts.peek(store.tenantId, widget.session.conversationId), Boolean, 'the new conversation’s context');
    const start = early(a);
    expect(await ask(widget, a, 'Do you ship to Norway?')).toBe('Echo: Do you ship to Norway?');
    expect(await ask(widget, a, 'And to Iceland?')).toBe('Echo: And to Iceland?');
    expect(early(a)).toEqual({ sent: start.sent + 2, dropped: start.dropped });

    // Two requests, each the one the database's context gives: nothing asked twice, nothing missing.
    const requests = fake.chatRequests().slice(-2);
    expect(userAndAssistant(requests[0]!.body)).toEqual(['user: Do you ship to Norway?']);
    expect(userAndAssistant(requests[1]!.body)).toEqual(['user: Do you ship to Norway?', 'assistant: Echo: Do you ship to Norway?', 'user: And to Iceland?']);
  });

  it('drops the early request when the database holds what this instance did not hear of, and answers from the database', async () => {
    const widget = new WidgetClient(a.url);
    await widget.start(store.botKey);
    await ask(widget, a, 'First question');
    // A message this instance was not told about (written behind every instance's back).
    await a.application.db.tenant(store.tenantId, (trx) =>
      trx('chat_messages').insert({ tenant_id: store.tenantId, id: randomUUID(), conversation_id: widget.session.conversationId, role: 'user', text: 'Written elsewhere', status: 'complete' }),
    );
    const start = early(a);
    const before = fake.chatRequests().length;
    expect(await ask(widget, a, 'Second question')).toBe('Echo: Second question');
    expect(early(a)).toEqual({ sent: start.sent + 1, dropped: start.dropped + 1 });

    // The answer's request is the database's context; the dropped one (if it reached the model) lacked the message.
    const answered = fake.chatRequests().slice(before).at(-1)!;
    expect(userAndAssistant(answered.body)).toEqual(['user: First question', 'assistant: Echo: First question', 'user: Written elsewhere', 'user: Second question']);
    const rows = await a.application.db.tenant(store.tenantId, (trx) => trx('chat_messages').where({ conversation_id: widget.session.conversationId, role: 'assistant' }).pluck('text'));
    expect(rows).toEqual(expect.arrayContaining(['Echo: First question', 'Echo: Second question']));
    expect(rows).toHaveLength(2);
    // Operators see both counts.
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    expect(metrics).toMatch(/^chat_early_model_requests_total\{outcome="dropped"\} [1-9]/m);
    expect(metrics).toMatch(/^chat_early_model_requests_total\{outcome="sent"\} [1-9]/m);
  });

  it('forgets a context another instance wrote past, and one whose store changed its model settings, so no early request goes out', async () => {
    const widget = new WidgetClient(a.url);
    await widget.start(store.botKey);
    await ask(widget, a, 'Asked on A');
    // The next message goes to instance B: A hears of it (NOTIFY) and forgets its copy.
    await ask(widget, b, 'Asked on B');
    await waitFor(async () => a.application.chat.service.contexts.peek(store.tenantId, widget.session.conversationId), (entry) => !entry, 'A to forget the context B wrote past');
    let start = early(a);
    expect(await ask(widget, a, 'Back on A')).toBe('Echo: Back on A');
    expect(early(a)).toEqual(start);
    expect(userAndAssistant(fake.chatRequests().at(-1)!.body)).toEqual([
      'user: Asked on A',
      'assistant: Echo: Asked on A',
      'user: Asked on B',
      'assistant: Echo: Asked on B',
      'user: Back on A',
    ]);

    // The store points the bot at its own provider: no request may go out with the old settings.
    const own = await startFakeOpenAI();
    try {
      expect(a.application.chat.service.contexts.peek(store.tenantId, widget.session.conversationId)).toBeDefined();
      const owner = await createMerchant(b.application, { tenantId: store.tenantId, role: 'owner' });
      const put = await fetch(`${b.url}/api/v1/settings/llm`, { method: 'PUT', headers: owner.headers, body: JSON.stringify({ apiKey: 'sk-store-own', baseUrl: own.url }) });
      expect(put.status).toBe(200);
      await waitFor(async () => a.application.chat.service.contexts.peek(store.tenantId, widget.session.conversationId), (entry) => !entry, 'A to forget the store’s contexts');
      const before = fake.chatRequests().length;
      start = early(a);
      expect(await ask(widget, a, 'Now with your own model')).toBe('Echo: Now with your own model');
      expect(fake.chatRequests()).toHaveLength(before);
      expect(own.chatRequests()).toHaveLength(1);
      expect(own.chatRequests()[0]!.headers.authorization).toBe('Bearer sk-store-own');
      expect(early(a)).toEqual(start);
    } finally {
      await own.close();
    }
  });
});

describe('early model requests and the address limit', () => {
  let fake: FakeOpenAI;
  let app: TestApp;
  let store: TestStore;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    app = await startTestApp(
      { OPENAI_API_KEY: 'sk-instance-key', OPENAI_BASE_URL: fake.url, OPENAI_MODEL: 'fake-model' },
      { chat: { limits: { messagesPerIpPerMinute: 3, messagesPerVisitorPerMinute: 100 } } },
    );
    store = await createStore(app.application);
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it('sends no early request for a message the address limit will refuse', async () => {
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    for (const text of ['one', 'two', 'three']) {
      await widget.send(text);
      await app.application.chat.service.turns.idle();
    }
    expect(app.application.chat.service.contexts.usable(store.tenantId, widget.session.conversationId)).toBeDefined();
    const sent = app.application.chat.service.earlyRequests.sent;
    const asked = fake.chatRequests().length;
    const refused = await fetch(`${app.url}/widget/v1/conversations/${widget.session.conversationId}/messages`, { method: 'POST', headers: widget.headers(), body: JSON.stringify({ text: 'four' }) });
    expect(refused.status).toBe(429);
    await app.application.chat.service.turns.idle();
    expect(app.application.chat.service.earlyRequests.sent).toBe(sent);
    expect(fake.chatRequests()).toHaveLength(asked);
  });
});
