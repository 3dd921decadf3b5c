import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailOutboxReader } from '../../../core/mail/mail.port.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createMerchant, type TestMerchant } from '../../helpers/merchant.ts';
import { call, cookiesOf, expectProblem, GOOD_PASSWORD, uniqueEmail } from '../accounts/support.ts';
import { createStore, SseClient, WidgetClient, type TestStore } from '../chat/helpers.ts';

/** Issue 14: hostile input on every route, one request never stalls the server, abuse limits. */
describe('hardening', () => {
  let app: TestApp;
  let owner: TestMerchant;
  let store: TestStore;
  // Back-off waits are seconds long; a loaded machine must not let one pass between two attempts.
  let frozen: Date | undefined;
  const clock = () => frozen ?? new Date();

  beforeAll(async () => {
    app = await startTestApp({}, { chat: { heartbeatMs: 60_000 }, clock });
    owner = await createMerchant(app.application);
    store = await createStore(app.application, { name: 'Hardened Store' });
  });
  afterAll(() => app.stop());

  const outbox = () => app.application.mail as unknown as MailOutboxReader;

  it('answers a 0001..9999 analytics range with 422 at once, on all three routes, while /healthz stays fast', async () => {
    const range = 'from=0001-01-01&to=9999-12-31';
    const started = Date.now();
    const health = (async () => {
      const t = Date.now();
      const res = await fetch(`${app.url}/healthz`);
      return { status: res.status, ms: Date.now() - t };
    })();
    const answers = await Promise.all(
      ['summary', 'timeseries', 'export.csv'].map((route) => call(app.url, 'GET', `/api/v1/analytics/${route}?${range}`, { token: owner.token })),
    );
    for (const answer of answers) expectProblem(answer, 422, 'validation', 'query.to');
    // Before the fix each one walked 3.6 million days on the event loop (~60 s); generous bounds for a loaded machine.
    expect(Date.now() - started).toBeLessThan(5_000);
    const h = await health;
    expect(h.status).toBe(200);
    expect(h.ms).toBeLessThan(1_000);
    // ISO times as far apart: the same.
    expectProblem(await call(app.url, 'GET', '/api/v1/analytics/summary?from=0001-01-01T00:00:00Z&to=9999-12-31T00:00:00Z', { token: owner.token }), 422, 'validation', 'query.to');
  });

  it('answers a 0001..9999 range with 422 in under 50 ms more than /healthz takes alongside it (median of 9 rounds)', async () => {
    const timed = async (path: string, token?: string) => {
      const t = performance.now();
      const res = await fetch(`${app.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
      await res.text();
      return { status: res.status, ms: performance.now() - t };
    };
    const rangeMs: number[] = [];
    const healthMs: number[] = [];
    const extraMs: number[] = [];
    // Two rounds to warm up (first JWT check, session cache, JIT), then nine that count.
    for (let round = 0; round < 11; round++) {
      const [range, health] = await Promise.all([timed('/api/v1/analytics/summary?from=0001-01-01&to=9999-12-31', owner.token), timed('/healthz')]);
      expect(range.status).toBe(422);
      expect(health.status).toBe(200);
      if (round < 2) continue;
      rangeMs.push(range.ms);
      healthMs.push(health.ms);
      extraMs.push(range.ms - health.ms);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    if (process.env.HARDENING_VERBOSE) {
      console.log(`422: median ${median(rangeMs).toFixed(1)} ms (max ${Math.max(...rangeMs).toFixed(1)}); /healthz alongside: median ${median(healthMs).toFixed(1)} ms (max ${Math.max(...healthMs).toFixed(1)}); extra: median ${median(extraMs).toFixed(1)} ms`);
    }
    // What the range request costs beyond the cheapest route fired with it: the machine's load
    // (shared by a team, load average ~20 on 2 cores) slows both alike. Before the fix: ~60 s.
    expect(median(extraMs)).toBeLessThan(50);
    // And absolute bounds that hold on a loaded machine.
    expect(median(rangeMs)).toBeLessThan(500);
    expect(median(healthMs)).toBeLessThan(500);
  });

  it('answers a NUL character in a name or identifier with 422 naming the field, on every kind of route', async () => {
    const nul = 'bad\u0000name';
    const cases: [string, string, unknown, string][] = [
      ['POST', '/api/v1/auth/signup', { storeName: nul, email: uniqueEmail('nul'), password: GOOD_PASSWORD }, 'body.storeName'],
      ['POST', '/api/v1/bots', { name: nul, allowedOrigins: ['https://shop.example'] }, 'body.name'],
      ['POST', '/api/v1/services', { name: nul, durationMinutes: 30 }, 'body.name'],
      ['POST', '/api/v1/api-keys', { name: nul, role: 'agent' }, 'body.name'],
      ['PUT', '/api/v1/holidays/2027-01-01', { name: nul }, 'body.name'],
      ['GET', '/api/v1/conversations?q=%00', undefined, 'query.q'],
    ];
    for (const [method, path, body, field] of cases) {
      const answer = await call(app.url, method, path, { body, token: owner.token });
      expectProblem(answer, 422, 'validation', field);
      expect(answer.body.errors.find((e: { path: string }) => e.path === field).message).toMatch(/NUL/);
    }
    // Nothing half-written.
    expect(await app.database.db.knex.raw(`SELECT count(*)::int AS n FROM services WHERE name LIKE 'bad%'`).then((r) => r.rows[0].n)).toBe(0);
  });

  it('strips NUL from free text a person typed (widget messages, contact texts, merchant replies) instead of failing', async () => {
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    const id = await widget.send('Hello\u0000 there');
    const contact = await fetch(`${app.url}/widget/v1/conversations/${widget.session.conversationId}/contact`, {
      method: 'POST',
      headers: widget.headers(),
      body: JSON.stringify({ email: 'shopper@example.org', text: 'Call\u0000 me' }),
    });
    expect(contact.status, await contact.clone().text()).toBe(202);
    const storeOwner = await createMerchant(app.application, { tenantId: store.tenantId });
    const reply = await call(app.url, 'POST', `/api/v1/conversations/${widget.session.conversationId}/messages`, { body: { text: 'We\u0000 will' }, token: storeOwner.token });
    expect(reply.status, reply.text).toBe(201);
    const texts = (await app.database.db.knex('chat_messages').where({ conversation_id: widget.session.conversationId }).select('id', 'text')).map((r) => r.text);
    expect(texts).toContain('Hello there');
    expect(texts).toContain('We will');
    expect(texts.join('')).not.toContain('\u0000');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    // Only NUL goes: an unpaired surrogate becomes U+FFFD (jsonb would refuse it).
    const lone = await fetch(`${app.url}/widget/v1/conversations/${widget.session.conversationId}/messages`, { method: 'POST', headers: widget.headers(), body: '{"text":"half \\ud83d emoji"}' });
    expect(lone.status, await lone.clone().text()).toBe(202);
  });

  it('keeps at most 8 event streams open per visitor: 500 streams from one token never all stay open', async () => {
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    const sse = app.application.chat.sse;
    const before = sse.size;
    const clients: SseClient[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const opened = Array.from({ length: 50 }, () => widget.stream());
      await Promise.all(opened.map((c) => c.opened(30_000)));
      clients.push(...opened);
      expect(sse.size - before).toBeLessThanOrEqual(8);
    }
    expect(clients.every((c) => c.status === 200)).toBe(true);
    // The newest are the ones still open.
    const last = clients.at(-1)!;
    expect(last.ended).toBe(false);
    expect(clients[0]!.ended).toBe(true);
    await Promise.all(clients.map((c) => c.close()));
  }, 120_000);

  it('keeps at most 20 event streams open per merchant token', async () => {
    const sse = app.application.chat.sse;
    const before = sse.size;
    const clients = Array.from({ length: 40 }, () => new SseClient(`${app.url}/api/v1/conversations/events`, { authorization: `Bearer ${owner.token}` }));
    await Promise.all(clients.map((c) => c.opened(30_000)));
    await new Promise((r) => setTimeout(r, 100));
    expect(sse.size - before).toBeLessThanOrEqual(20);
    expect(clients.filter((c) => !c.ended).length).toBeLessThanOrEqual(20);
    await Promise.all(clients.map((c) => c.close()));
  }, 60_000);

  it('gives every store a default monthly token budget the merchant sees and changes, and warns the merchant streams at 80 %', async () => {
    const storeOwner = await createMerchant(app.application, { tenantId: store.tenantId });
    const settings = await call(app.url, 'GET', '/api/v1/settings/llm', { token: storeOwner.token });
    expect(settings.status).toBe(200);
    expect(settings.body).toMatchObject({ monthlyTokenBudget: 2_000_000, monthlyTokenBudgetIsDefault: true });

    const set = await call(app.url, 'PUT', '/api/v1/settings/llm', { token: storeOwner.token, body: { monthlyTokenBudget: 1000 } });
    expect(set.body).toMatchObject({ monthlyTokenBudget: 1000, monthlyTokenBudgetIsDefault: false });

    // 850 of 1000 tokens used this month.
    const month = `${new Date().toISOString().slice(0, 7)}-01`;
    await app.database.db.knex('llm_usage_monthly').insert({ tenant_id: store.tenantId, month, prompt_tokens: 800, completion_tokens: 50 }).onConflict(['tenant_id', 'month']).merge();
    const merchantStream = new SseClient(`${app.url}/api/v1/conversations/events`, { authorization: `Bearer ${storeOwner.token}` });
    await merchantStream.until((events) => events.some((e) => e.event === 'ready'));
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    const shopperStream = widget.stream();
    await widget.send('Hello');
    const events = await merchantStream.until((list) => list.some((e) => e.event === 'budget.warning'));
    expect(events.find((e) => e.event === 'budget.warning')!.data).toMatchObject({ usedTokens: 850, monthlyTokenBudget: 1000, conversationId: widget.session.conversationId });
    await shopperStream.until((list) => list.some((e) => e.event === 'message.completed'));
    expect(shopperStream.events.map((e) => e.event)).not.toContain('budget.warning');
    // Once a month: a second message does not warn again.
    await widget.send('Again');
    await shopperStream.until((list) => list.filter((e) => e.event === 'message.completed').length >= 2);
    expect(merchantStream.events.filter((e) => e.event === 'budget.warning')).toHaveLength(1);
    await merchantStream.close();
    await shopperStream.close();

    const back = await call(app.url, 'PUT', '/api/v1/settings/llm', { token: storeOwner.token, body: { monthlyTokenBudget: null } });
    expect(back.body).toMatchObject({ monthlyTokenBudget: 2_000_000, monthlyTokenBudgetIsDefault: true });
  }, 60_000);

  it("throttles the attacker's address and many-address failures, but the owner still signs in from the usual address and browser", async () => {
    frozen = new Date();
    const email = uniqueEmail('owner');
    const from = (ip: string, extra: Record<string, string> = {}) => ({ 'x-forwarded-for': ip, ...extra });
    const signup = await call(app.url, 'POST', '/api/v1/auth/signup', { body: { storeName: 'Owned', email, password: GOOD_PASSWORD }, headers: from('198.51.100.7') });
    expect(signup.status, signup.text).toBe(201);
    const device = cookiesOf(signup.headers).concierge_device!.value;
    expect(device).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // The attacker's address: 5 free failures, then it waits.
    for (let i = 0; i < 5; i++) expectProblem(await call(app.url, 'POST', '/api/v1/auth/login', { body: { email, password: `Wrong-${i}-Guess` }, headers: from('203.0.113.66') }), 401, 'invalid-credentials');
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/login', { body: { email, password: GOOD_PASSWORD }, headers: from('203.0.113.66') }), 429, 'rate-limited');
    // Failures from many other addresses slow every unknown address down...
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/login', { body: { email, password: GOOD_PASSWORD }, headers: from('203.0.113.99') }), 429, 'rate-limited');
    // ...but never the owner's usual address,
    const usual = await call(app.url, 'POST', '/api/v1/auth/login', { body: { email, password: GOOD_PASSWORD }, headers: from('198.51.100.7') });
    expect(usual.status, usual.text).toBe(200);
    // nor the owner's browser on the road (its device cookie).
    const travelling = await call(app.url, 'POST', '/api/v1/auth/login', { body: { email, password: GOOD_PASSWORD }, headers: from('192.0.2.44', { cookie: `concierge_device=${device}` }) });
    expect(travelling.status, travelling.text).toBe(200);
    // The attacker's address is still throttled.
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/login', { body: { email, password: 'Another-Guess-9' }, headers: from('203.0.113.66') }), 429, 'rate-limited');
    frozen = undefined;
  });

  it('does not reveal a registered email at signup: the same 201 shape, and a mail to the owner', async () => {
    const email = uniqueEmail('known');
    expect((await call(app.url, 'POST', '/api/v1/auth/signup', { body: { storeName: 'First', email, password: GOOD_PASSWORD } })).status).toBe(201);
    const tenantsBefore = await app.database.db.knex('tenants').count<{ n: string }[]>('* as n');
    const again = await call(app.url, 'POST', '/api/v1/auth/signup', { body: { storeName: 'Second', email, password: 'Other-Password-42' } });
    expect(again.status).toBe(201);
    expect(again.body.status).toBe('check-your-email');
    expect(again.text).not.toMatch(/taken|exists|registered/i);
    expect(await app.database.db.knex('tenants').count<{ n: string }[]>('* as n')).toEqual(tenantsBefore);
    await app.application.accounts.settled();
    const mails = (await outbox().list(50)).filter((m) => [m.to].flat().includes(email));
    expect(mails.map((m) => m.subject)).toContain('Your Concierge account already exists');
  });

  it('flattens line breaks in mail subjects (an invitation from a store whose name has one)', async () => {
    const tenant = await app.application.repositories.tenancy.createTenant({ name: 'Evil\r\nBcc: victim@example.org\nStore', timeZone: 'Europe/Berlin' });
    const inviter = await createMerchant(app.application, { tenantId: tenant.id });
    const invitee = uniqueEmail('invitee');
    const res = await call(app.url, 'POST', '/api/v1/team/invites', { token: inviter.token, body: { email: invitee, role: 'agent' } });
    expect(res.status, res.text).toBe(201);
    const mail = (await outbox().list(50)).find((m) => [m.to].flat().includes(invitee));
    expect(mail?.subject).toBe('You are invited to join Evil Bcc: victim@example.org Store on Concierge');
  });

  it('shows /dev/outbox only to a browser on this machine', async () => {
    expect((await fetch(`${app.url}/dev/outbox`)).status).toBe(200);
    const proxied = await fetch(`${app.url}/dev/outbox`, { headers: { 'x-forwarded-for': '203.0.113.5' } });
    expect(proxied.status).toBe(404);
    expect((await fetch(`${app.url}/dev/outbox.json`, { headers: { 'x-forwarded-for': '203.0.113.5' } })).status).toBe(404);
  });
});
