import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIdentity, newIdentitySecret, BOT_IDENTITY_PURPOSE } from '../../../core/tenancy/bot-identity.ts';
import { deriveKey, SecretBox } from '../../../core/security/secret-box.ts';
import { VisitorTokens } from '../../../core/widget-access/visitor-tokens.ts';
import { CreateSessionResponseSchema, ListMessagesResponseSchema, ProblemSchema } from '../../../core/wire/widget.ts';
import { startTestApp, TEST_SECRET_KEY, type TestApp } from '../../helpers/app.ts';
import { completed, createStore, expectWireEvents, SseClient, STORE_ORIGIN, WidgetClient, type TestStore } from './helpers.ts';

/** The widget API on the real application, answered by the offline model (no API key configured). */
describe('widget API (offline model)', () => {
  let app: TestApp;
  let store: TestStore;
  const identitySecret = newIdentitySecret();

  beforeAll(async () => {
    app = await startTestApp();
    store = await createStore(app.application, {
      identitySecretEncrypted: new SecretBox(TEST_SECRET_KEY, BOT_IDENTITY_PURPOSE).seal(identitySecret),
      products: [
        { handle: 'merino-sweater', title: 'Merino Wool Sweater', description: 'A warm <b>merino</b> crew neck.', priceCents: 8900, tags: ['knitwear'] },
        { handle: 'leather-belt', title: 'Leather Belt', description: 'Full-grain leather.', priceCents: 5900 },
      ],
    });
  });
  afterAll(() => app.stop());

  it('starts a session for an allowed origin, with CORS for that origin only', async () => {
    const res = await fetch(`${app.url}/widget/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: STORE_ORIGIN },
      body: JSON.stringify({ botKey: store.botKey, locale: 'en' }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBe(STORE_ORIGIN);
    // Once, though both the preflight middleware and the CORS answer say so.
    expect(res.headers.get('vary')).toBe('Origin');
    const body = CreateSessionResponseSchema.parse(await res.json());
    expect(body.identified).toBe(false);
    expect(body.handoff).toEqual({ active: false, agentName: null });
    expect(body.bot.name).toBe('Shop Assistant');
  });

  it('refuses a session from an origin the bot does not allow: 403 that page can read (reason, CORS), and no session', async () => {
    for (const origin of ['https://evil.example', 'http://shop.example', undefined]) {
      const res = await fetch(`${app.url}/widget/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
        body: JSON.stringify({ botKey: store.botKey }),
      });
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      const problem = ProblemSchema.parse(await res.json());
      expect(problem.reason).toBe('origin-not-allowed');
      expect(problem).not.toHaveProperty('visitorToken');
      // The widget on that page reads the refusal (to say why in the console); it carries no data.
      expect(res.headers.get('access-control-allow-origin')).toBe(origin ?? null);
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('answers 404 for an unknown bot key, readable by the asking page', async () => {
    const res = await fetch(`${app.url}/widget/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: STORE_ORIGIN },
      body: JSON.stringify({ botKey: `pk_${'A'.repeat(38)}` }),
    });
    expect(res.status).toBe(404);
    expect((await res.json()).reason).toBe('unknown-bot');
    expect(res.headers.get('access-control-allow-origin')).toBe(STORE_ORIGIN);
  });

  it('answers preflights of a conversation route for the bot’s origins only', async () => {
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    const preflight = (origin: string) =>
      fetch(`${app.url}/widget/v1/conversations/${widget.session.conversationId}/messages`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
    const ok = await preflight(STORE_ORIGIN);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(STORE_ORIGIN);
    expect(ok.headers.get('vary')).toBe('Origin');
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    const bad = await preflight('https://evil.example');
    expect(bad.status).toBe(403);
    expect(bad.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a visitor token sent from another origin, and a token for another conversation', async () => {
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    const url = `${app.url}/widget/v1/conversations/${widget.session.conversationId}/messages`;
    const evil = await fetch(url, { headers: { ...widget.headers(), origin: 'https://evil.example' } });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();

    const other = new WidgetClient(app.url);
    await other.start(store.botKey);
    const cross = await fetch(`${app.url}/widget/v1/conversations/${other.session.conversationId}/messages`, { headers: widget.headers() });
    expect(cross.status).toBe(404);
    const noToken = await fetch(url, { headers: { origin: STORE_ORIGIN } });
    expect(noToken.status).toBe(401);
  });

  it('resumes a returning visitor’s conversation', async () => {
    const first = new WidgetClient(app.url);
    await first.start(store.botKey);
    const again = new WidgetClient(app.url);
    await again.start(store.botKey, { visitorId: first.session.visitorId });
    expect(again.session.conversationId).toBe(first.session.conversationId);
    const stranger = new WidgetClient(app.url);
    await stranger.start(store.botKey);
    expect(stranger.session.conversationId).not.toBe(first.session.conversationId);
  });

  it('marks a visitor verified only when the merchant’s signature checks out', async () => {
    const identity = { customerId: 'cust-42', email: 'Jane@Example.com' };
    const good = new WidgetClient(app.url);
    await good.start(store.botKey, { identity: { ...identity, signature: signIdentity(identitySecret, identity) } });
    expect(good.session.identified).toBe(true);
    const forged = new WidgetClient(app.url);
    await forged.start(store.botKey, { identity: { ...identity, signature: signIdentity('bis_wrong-secret', identity) } });
    expect(forged.session.identified).toBe(false);
  });

  it('streams the offline assistant’s answer with product cards, in order, matching the wire contract', async () => {
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    const stream = widget.stream();
    await stream.opened();
    expect(stream.status).toBe(200);
    expect(stream.headers?.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.headers?.get('x-accel-buffering')).toBe('no');
    expect(stream.headers?.get('access-control-allow-origin')).toBe(STORE_ORIGIN);

    const messageId = await widget.send('Do you have a merino sweater?', { clientMessageId: 'c-1' });
    const events = await stream.until((es) => completed(es).length === 1 && es.some((e) => e.event === 'typing' && e.data.active === false));
    expectWireEvents(events);
    const userCreated = events.find((e) => e.event === 'message.created' && e.data.role === 'user')!;
    expect(userCreated.data).toMatchObject({ messageId, text: 'Do you have a merino sweater?', clientMessageId: 'c-1' });
    const answer = completed(events)[0]!;
    expect(answer.data.text).toContain('Merino Wool Sweater');
    expect(answer.data.cards).toEqual([
      expect.objectContaining({ type: 'product', title: 'Merino Wool Sweater', url: `${STORE_ORIGIN}/products/merino-sweater`, price: { amount: '89.00', currency: 'EUR' } }),
    ]);
    const deltas = events.filter((e) => e.event === 'message.delta' && e.data.messageId === answer.data.messageId);
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.map((d) => d.data.delta).join('')).toBe(answer.data.text);
    const order = events.map((e) => e.event);
    expect(order.indexOf('message.created')).toBeLessThan(order.indexOf('message.delta'));
    await stream.close();

    // History agrees with the stream, and names the position to continue from.
    const history = ListMessagesResponseSchema.parse(
      await (await fetch(`${app.url}/widget/v1/conversations/${widget.session.conversationId}/messages`, { headers: widget.headers() })).json(),
    );
    expect(history.items.map((m) => [m.role, m.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'complete'],
    ]);
    expect(history.items[1]!.text).toBe(answer.data.text);
    expect(history.lastEventId).toBe(events.at(-1)!.id);
  });

  it('accepts the visitor token as a Bearer header on the event stream too, and refuses a bad one', async () => {
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    const url = `${app.url}/widget/v1/conversations/${widget.session.conversationId}/events`;
    const viaHeader = new SseClient(url, { authorization: `Bearer ${widget.session.visitorToken}`, origin: STORE_ORIGIN });
    await viaHeader.opened();
    expect(viaHeader.status).toBe(200);
    await widget.send('hello');
    await viaHeader.until((es) => completed(es).length === 1);
    await viaHeader.close();
    const bad = await fetch(`${url}?token=${'x'.repeat(40)}`, { headers: { origin: STORE_ORIGIN } });
    expect(bad.status).toBe(401);
  });

  it('answers an expired token with 401 that the widget can read (CORS headers), so it starts a new session', async () => {
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    const yesterday = new VisitorTokens(deriveKey(TEST_SECRET_KEY, 'visitor-tokens'), () => new Date(Date.now() - 25 * 3600_000));
    const { token } = yesterday.sign({ tenantId: store.tenantId, botId: store.botId, visitorId: widget.session.visitorId, conversationId: widget.session.conversationId });
    const res = await fetch(`${app.url}/widget/v1/conversations/${widget.session.conversationId}/messages`, { headers: { authorization: `Bearer ${token}`, origin: STORE_ORIGIN } });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe(STORE_ORIGIN);
    expect((await res.json()).type).toBe('/problems/token-expired');
    // A token signed with another key is not ours at all.
    const forged = new VisitorTokens(deriveKey('another-secret-key-0123456789abcdef0123456789', 'visitor-tokens')).sign({
      tenantId: store.tenantId,
      botId: store.botId,
      visitorId: widget.session.visitorId,
      conversationId: widget.session.conversationId,
    });
    const refused = await fetch(`${app.url}/widget/v1/conversations/${widget.session.conversationId}/messages`, { headers: { authorization: `Bearer ${forged.token}`, origin: STORE_ORIGIN } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('stores a repeated clientMessageId once and answers once', async () => {
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    const a = await widget.send('hello', { clientMessageId: 'same-1' });
    const b = await widget.send('hello', { clientMessageId: 'same-1' });
    expect(b).toBe(a);
    await app.application.chat.service.turns.idle();
    const history = ListMessagesResponseSchema.parse(
      await (await fetch(`${app.url}/widget/v1/conversations/${widget.session.conversationId}/messages`, { headers: widget.headers() })).json(),
    );
    expect(history.items.filter((m) => m.role === 'user')).toHaveLength(1);
    expect(history.items.filter((m) => m.role === 'assistant')).toHaveLength(1);
    // Counted once too: the shopper's message and the answer.
    const conversation = () => app.application.db.tenant(store.tenantId, (trx) => trx('conversations').where({ id: widget.session.conversationId }).first());
    expect((await conversation()).message_count).toBe(2);

    // Five copies at once (a retrying client): all pass the early check together, one row goes in,
    // and only that one is counted.
    const copies = await Promise.all(Array.from({ length: 5 }, () => widget.send('are you there?', { clientMessageId: 'same-2' })));
    expect(new Set(copies).size).toBe(1);
    await app.application.chat.service.turns.idle();
    expect((await conversation()).message_count).toBe(4);

    // A closed conversation the shopper writes to again is open again, and counts the message.
    await app.application.db.tenant(store.tenantId, (trx) => trx('conversations').where({ id: widget.session.conversationId }).update({ status: 'closed' }));
    await widget.send('one more thing', { clientMessageId: 'same-3' });
    await app.application.chat.service.turns.idle();
    const reopened = await conversation();
    expect(reopened.status).toBe('open');
    expect(reopened.message_count).toBe(6);
    expect(reopened.last_message_preview).not.toBe('one more thing'); // the answer came after it
  });
});

describe('widget API rate limits', () => {
  let app: TestApp;
  let store: TestStore;

  beforeAll(async () => {
    app = await startTestApp({}, { chat: { limits: { messagesPerVisitorPerMinute: 2, messagesPerIpPerMinute: 4 } } });
    store = await createStore(app.application);
  });
  afterAll(() => app.stop());

  const post = (widget: WidgetClient, text: string) =>
    fetch(`${app.url}/widget/v1/conversations/${widget.session.conversationId}/messages`, { method: 'POST', headers: widget.headers(), body: JSON.stringify({ text }) });

  it('answers 429 with Retry-After past the per-visitor and per-address limits, and stores nothing more', async () => {
    const first = new WidgetClient(app.url);
    await first.start(store.botKey);
    expect((await post(first, 'one')).status).toBe(202);
    expect((await post(first, 'two')).status).toBe(202);
    const limited = await post(first, 'three');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('access-control-allow-origin')).toBe(STORE_ORIGIN);

    // Another visitor behind the same address: every attempt counted for the address, one is left.
    const second = new WidgetClient(app.url);
    await second.start(store.botKey);
    expect((await post(second, 'hello')).status).toBe(202);
    expect((await post(second, 'again')).status).toBe(429);

    await app.application.chat.service.turns.idle();
    const history = ListMessagesResponseSchema.parse(
      await (await fetch(`${app.url}/widget/v1/conversations/${first.session.conversationId}/messages`, { headers: first.headers() })).json(),
    );
    expect(history.items.filter((m) => m.role === 'user').map((m) => m.text)).toEqual(['one', 'two']);
  });
});
