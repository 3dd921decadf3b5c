import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationDetailSchema, ConversationListSchema } from '../../../core/chat/conversations.schema.ts';
import type { MailOutboxReader, MailPort } from '../../../core/mail/mail.port.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createMerchant, type TestMerchant } from '../../helpers/merchant.ts';
import { completed, createStore, expectWireEvents, SseClient, WidgetClient, type TestStore } from './helpers.ts';

/** The merchant's side: list, search, read, take over, reply, release; contact requests and ratings. */
describe('conversations for the merchant', () => {
  let app: TestApp;
  let store: TestStore;
  let owner: TestMerchant;
  let agent: TestMerchant;

  beforeAll(async () => {
    app = await startTestApp({}, { chat: { heartbeatMs: 150 } });
    store = await createStore(app.application, {
      products: [{ handle: 'wool-socks', title: 'Wool Socks', description: 'Warm socks.', priceCents: 1900 }],
    });
    owner = await createMerchant(app.application, { tenantId: store.tenantId, role: 'owner' });
    agent = await createMerchant(app.application, { tenantId: store.tenantId, role: 'agent' });
  });
  afterAll(() => app.stop());

  const api = (path: string, who: TestMerchant, init: RequestInit = {}) => fetch(`${app.url}${path}`, { ...init, headers: { ...who.headers, ...(init.headers as object) } });

  it('lets an agent take over (the bot goes quiet), reply, and release (the bot answers again)', async () => {
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    const stream = widget.stream();
    await widget.send('hello there');
    await stream.until((es) => completed(es).length === 1);
    const id = widget.session.conversationId;

    const taken = await api(`/api/v1/conversations/${id}/takeover`, agent, { method: 'POST' });
    expect(taken.status).toBe(200);
    expect((await taken.json()).status).toBe('with_agent');
    await stream.until((es) => es.some((e) => e.event === 'handoff' && e.data.active === true));

    // While a person is on it, a shopper message gets no bot answer.
    await widget.send('are you a human?');
    await app.application.chat.service.turns.idle();
    await new Promise((r) => setTimeout(r, 100));
    expect(completed(stream.events)).toHaveLength(1);

    const typing = await api(`/api/v1/conversations/${id}/typing`, agent, { method: 'POST', body: JSON.stringify({ active: true }) });
    expect(typing.status).toBe(204);
    const reply = await api(`/api/v1/conversations/${id}/messages`, agent, { method: 'POST', body: JSON.stringify({ text: 'Yes, I am Sam.' }) });
    expect(reply.status).toBe(201);
    const sent = await reply.json();
    expect(sent).toMatchObject({ role: 'agent', text: 'Yes, I am Sam.', authorUserId: agent.userId });
    await stream.until((es) => es.some((e) => e.event === 'message.created' && e.data.role === 'agent'));
    expect(stream.events.some((e) => e.event === 'typing' && e.data.role === 'agent' && e.data.active === true)).toBe(true);

    const released = await api(`/api/v1/conversations/${id}/release`, agent, { method: 'POST' });
    expect((await released.json()).status).toBe('open');
    await stream.until((es) => es.some((e) => e.event === 'handoff' && e.data.active === false));
    await widget.send('Do you have wool socks?');
    await stream.until((es) => completed(es).length === 2);
    expect(completed(stream.events)[1]!.data.text).toContain('Wool Socks');
    expectWireEvents(stream.events);
    await stream.close();

    const detail = ConversationDetailSchema.parse(await (await api(`/api/v1/conversations/${id}`, agent)).json());
    expect(detail.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'agent', 'user', 'assistant']);
    expect(detail.messages[1]!.usage).toMatchObject({ adapter: 'offline', model: 'offline' });
    expect(detail.status).toBe('open');
    expect(detail.lastEventId).toBe(stream.events.at(-1)!.id);
  });

  it('puts a conversation in "waiting for agent" when the assistant hands off', async () => {
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    const stream = widget.stream();
    await widget.send('I want to talk to a human please');
    await stream.until((es) => completed(es).length === 1);
    expect(completed(stream.events)[0]!.data.text).toMatch(/team/i);
    await stream.close();
    const list = ConversationListSchema.parse(await (await api('/api/v1/conversations?status=waiting_for_agent', agent)).json());
    expect(list.items.map((c) => c.id)).toContain(widget.session.conversationId);
  });

  it('lists conversations newest first, filtered by status and by what was said, in pages', async () => {
    const ids: string[] = [];
    for (const word of ['umbrella', 'galoshes', 'umbrella stand']) {
      const widget = new WidgetClient(app.url);
      await widget.start(store.botKey);
      await widget.send(`Do you sell an ${word}?`);
      ids.push(widget.session.conversationId);
      // The list is ordered by last activity, which the assistant's answer moves: let each answer
      // finish before the next conversation starts, so "newest" is the order they were started in.
      await app.application.chat.service.turns.idle();
    }
    const found = ConversationListSchema.parse(await (await api('/api/v1/conversations?q=umbrella', agent)).json());
    expect(found.items.map((c) => c.id)).toEqual([ids[2], ids[0]]);
    const page1 = ConversationListSchema.parse(await (await api('/api/v1/conversations?limit=2', agent)).json());
    expect(page1.items).toHaveLength(2);
    expect(page1.nextCursor).not.toBeNull();
    const page2 = ConversationListSchema.parse(await (await api(`/api/v1/conversations?limit=2&cursor=${page1.nextCursor}`, agent)).json());
    const seen = [...page1.items, ...page2.items].map((c) => c.id);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, 3)).toEqual([ids[2], ids[1], ids[0]]);
    expect((await api('/api/v1/conversations?status=bogus', agent)).status).toBe(422);
  });

  it('stores a contact request on the conversation, marks it for follow-up and mails the store’s owner', async () => {
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    await widget.send('My parcel is damaged');
    const res = await fetch(`${app.url}/widget/v1/conversations/${widget.session.conversationId}/contact`, {
      method: 'POST',
      headers: widget.headers(),
      body: JSON.stringify({ email: 'shopper@example.org', text: 'Please call me back about my damaged parcel.' }),
    });
    expect(res.status).toBe(202);
    const list = ConversationListSchema.parse(await (await api('/api/v1/conversations?followUp=true', agent)).json());
    expect(list.items.find((c) => c.id === widget.session.conversationId)).toMatchObject({ followUp: true, contactEmail: 'shopper@example.org' });

    const outbox = app.application.mail as MailPort & MailOutboxReader;
    let mail;
    for (let i = 0; i < 50 && !mail; i++) {
      mail = (await outbox.list()).find((m) => m.text.includes('damaged parcel'));
      if (!mail) await new Promise((r) => setTimeout(r, 50));
    }
    expect(mail).toBeDefined();
    expect(mail!.to).toEqual([owner.email]);
    expect(mail!.replyTo).toBe('shopper@example.org');
    expect(mail!.text).toContain(`/admin/conversations/${widget.session.conversationId}`);
  });

  it('records a rating through analytics', async () => {
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    const res = await fetch(`${app.url}/widget/v1/conversations/${widget.session.conversationId}/rating`, {
      method: 'POST',
      headers: widget.headers(),
      body: JSON.stringify({ rating: 'up', comment: 'quick and helpful' }),
    });
    expect(res.status).toBe(204);
    await app.application.analytics.recorder.flush();
    const rows = await app.application.db.tenant(store.tenantId, (trx) =>
      trx('analytics_events').where({ conversation_id: widget.session.conversationId }).select('type', 'rating'),
    );
    expect(rows).toEqual(expect.arrayContaining([{ type: 'conversation.rated', rating: 'up' }, { type: 'conversation.started', rating: null }]));
  });

  it('streams every conversation’s changes to the dashboard, and keeps idle streams alive with heartbeats', async () => {
    const live = new SseClient(`${app.url}/api/v1/conversations/events`, { authorization: agent.headers.authorization! });
    await live.until((es) => es.some((e) => e.event === 'ready'));
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    await widget.send('anyone there?');
    await live.until((es) => es.some((e) => e.event === 'message.completed' && e.data.conversationId === widget.session.conversationId));
    expect(live.events.some((e) => e.event === 'message.delta')).toBe(false);
    expect(live.events.find((e) => e.event === 'message.created' && e.data.role === 'user')!.data).toMatchObject({ conversationId: widget.session.conversationId, text: 'anyone there?' });
    await new Promise((r) => setTimeout(r, 400));
    expect(live.comments).toContain('keep-alive');
    await live.close();

    const other = await createMerchant(app.application);
    const foreign = new SseClient(`${app.url}/api/v1/conversations/events`, { authorization: other.headers.authorization! });
    await foreign.until((es) => es.some((e) => e.event === 'ready'));
    await widget.send('still there?');
    await app.application.chat.service.turns.idle();
    await new Promise((r) => setTimeout(r, 200));
    expect(foreign.events.map((e) => e.event)).toEqual(['ready']);
    await foreign.close();
  });

  it('needs a merchant token for merchant routes and a permission for each', async () => {
    expect((await fetch(`${app.url}/api/v1/conversations`)).status).toBe(401);
    expect((await api('/api/v1/settings/llm', agent)).status).toBe(403);
    expect((await api('/api/v1/settings/llm', owner)).status).toBe(200);
  });
});

describe('shutdown', () => {
  it('ends open event streams at once instead of waiting for the shutdown timeout', async () => {
    const app = await startTestApp({ SHUTDOWN_TIMEOUT_MS: '20000' });
    const store = await createStore(app.application);
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    const stream = widget.stream();
    await stream.opened();
    const started = Date.now();
    let endedAfter: number | undefined;
    const watching = (async () => {
      while (!stream.ended) await new Promise((r) => setTimeout(r, 5));
      endedAfter = Date.now() - started;
    })();
    await app.stop();
    await watching;
    expect(Date.now() - started).toBeLessThan(5_000);
    // As shutdown begins, not at the streams' next heartbeat tick (up to 1 s later; the HTTP
    // server's close waited for it).
    expect(endedAfter).toBeLessThan(500);
  });
});
