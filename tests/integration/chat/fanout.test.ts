import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeTurn, startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai-server.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { createMerchant, type TestMerchant } from '../../helpers/merchant.ts';
import { completed, createStore, expectWireEvents, liveText, loggedEvents, WidgetClient, type SseEvent, type TestStore } from './helpers.ts';

/** Two instances on one database behave as one: LISTEN/NOTIFY fan-out and replay from the event log. */
describe('two instances, one database', () => {
  let database: TestDatabase;
  let fake: FakeOpenAI;
  let a: TestApp;
  let b: TestApp;
  let store: TestStore;
  let agent: TestMerchant;

  beforeAll(async () => {
    database = await createTestDatabase();
    fake = await startFakeOpenAI();
    const env = { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.url };
    a = await startTestApp(env, { database });
    b = await startTestApp(env, { database });
    store = await createStore(a.application);
    agent = await createMerchant(a.application, { tenantId: store.tenantId, role: 'agent' });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await fake.close();
    await database.drop();
  });

  const ids = (events: SseEvent[]) => events.map((e) => e.id);

  it('delivers an agent reply made through instance B to a visitor streaming from A, exactly once', async () => {
    const widget = new WidgetClient(a.url);
    await widget.start(store.botKey);
    const onA = widget.stream(undefined, 'query', a.url);
    await onA.opened();
    const res = await fetch(`${b.url}/api/v1/conversations/${widget.session.conversationId}/messages`, {
      method: 'POST',
      headers: agent.headers,
      body: JSON.stringify({ text: 'Hi, this is Sam from the shop. How can I help?' }),
    });
    expect(res.status).toBe(201);
    const { id: messageId } = await res.json();
    const events = await onA.until((es) => es.some((e) => e.event === 'message.created' && e.data.messageId === messageId));
    // Give a duplicate (the NOTIFY echo, a second read) time to show up if there were one.
    await new Promise((r) => setTimeout(r, 300));
    expectWireEvents(onA.events);
    expect(onA.events.filter((e) => e.event === 'message.created' && e.data.messageId === messageId)).toHaveLength(1);
    expect(events.find((e) => e.data.messageId === messageId)!.data).toMatchObject({ role: 'agent', text: 'Hi, this is Sam from the shop. How can I help?' });
    expect(onA.events.filter((e) => e.event === 'handoff')).toEqual([expect.objectContaining({ data: { active: true, agentName: null } })]);
    expect(new Set(ids(onA.events)).size).toBe(onA.events.length);
    await onA.close();
  });

  it('gives streams on both instances the same events, in the same order, once each', async () => {
    fake.script(fakeTurn.text('one two three four five six seven eight', { chunks: 8, delayMs: 15 }));
    const widget = new WidgetClient(b.url);
    await widget.start(store.botKey);
    const onA = widget.stream(undefined, 'query', a.url);
    const onB = widget.stream(undefined, 'query', b.url);
    await Promise.all([onA.opened(), onB.opened()]);
    await widget.send('count to eight');
    const done = (es: SseEvent[]) => es.some((e) => e.event === 'typing' && e.data.active === false);
    await Promise.all([onA.until(done), onB.until(done)]);
    await new Promise((r) => setTimeout(r, 300));
    expectWireEvents(onA.events);
    expectWireEvents(onB.events);
    // The logged events are the same on both; the live text too (B, which runs the turn, sends each
    // of the model's chunks; A what B announced, a round at a time).
    expect(loggedEvents(onA.events)).toEqual(loggedEvents(onB.events));
    const text = liveText(onA.events);
    expect(text).toBe('one two three four five six seven eight');
    expect(liveText(onB.events)).toBe(text);
    expect(completed(onA.events)[0]!.data.text).toBe(text);
    await Promise.all([onA.close(), onB.close()]);
  });

  it('replays exactly what a client missed when it drops mid-answer and reconnects (to the other instance) with Last-Event-ID', async () => {
    const answer = Array.from({ length: 30 }, (_, i) => `w${i}`).join(' ');
    fake.script(fakeTurn.text(answer, { chunks: 30, delayMs: 30 }));
    const widget = new WidgetClient(a.url);
    await widget.start(store.botKey);
    const first = widget.stream(undefined, 'query', a.url);
    await first.opened();
    await widget.send('say thirty words');
    await first.until((es) => es.filter((e) => e.event === 'message.delta').length >= 5);
    await first.close();
    const lastSeen = first.lastId()!;
    const seenBeforeDrop = [...first.events];

    // Offline for a while: the answer goes on without this client.
    await new Promise((r) => setTimeout(r, 200));
    const second = widget.stream(lastSeen, 'header', b.url);
    await second.until((es) => es.some((e) => e.event === 'typing' && e.data.active === false), 15_000);

    // The resumed stream goes on exactly where the first stopped: the logged events after its last
    // id, and the answer's text from where its last delta ended (expectWireEvents checks offsets).
    const combined = [...seenBeforeDrop, ...second.events];
    expectWireEvents(combined);
    expect(lastSeen).toMatch(/^\d+\.[0-9a-f]{8}\.\d+$/); // cut mid-answer: its last event was live text
    const logged = loggedEvents(combined);
    expect(new Set(ids(logged)).size).toBe(logged.length);
    expect(liveText(second.events).length).toBeGreaterThan(0);
    expect(liveText(combined)).toBe(answer);
    expect(completed(combined)[0]!.data.text).toBe(answer);

    // The log alone is what a client reading the conversation from the start gets (the answer is complete: no live text).
    const full = widget.stream(undefined, 'query', a.url);
    await full.until((es) => es.length >= logged.length);
    await new Promise((r) => setTimeout(r, 100));
    expect(full.events).toEqual(logged);
    await Promise.all([second.close(), full.close()]);
  });

  it('catches up after its LISTEN connection is cut: events written meanwhile still arrive, once', async () => {
    const widget = new WidgetClient(a.url);
    await widget.start(store.botKey);
    const onA = widget.stream(undefined, 'query', a.url);
    await onA.opened();
    const killed = await database.db.knex.raw(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'concierge-listen' AND datname = current_database()`,
    );
    expect(killed.rows.length).toBe(2);
    const res = await fetch(`${b.url}/api/v1/conversations/${widget.session.conversationId}/messages`, {
      method: 'POST',
      headers: agent.headers,
      body: JSON.stringify({ text: 'Sent while the listeners were down' }),
    });
    const { id } = await res.json();
    await onA.until((es) => es.some((e) => e.data.messageId === id), 15_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(onA.events.filter((e) => e.data.messageId === id)).toHaveLength(1);
    expect(a.application.chat.hub.listening).toBe(true);
    await onA.close();
  });

  it('resumes from the `lastEventId` query when there is no Last-Event-ID header, and the header wins when both are sent', async () => {
    const widget = new WidgetClient(a.url);
    await widget.start(store.botKey);
    await widget.send('hello');
    await a.application.chat.service.turns.idle();
    const all = widget.stream(undefined, 'query', b.url);
    await all.until((es) => es.some((e) => e.event === 'typing' && e.data.active === false));
    await all.close();
    const cut = all.events[1]!.id!;
    const fromQuery = widget.stream(cut, 'query', b.url);
    await fromQuery.until((es) => es.length === all.events.length - 2);
    expect(fromQuery.events).toEqual(all.events.slice(2));
    await fromQuery.close();

    const url = new URL(`${b.url}/widget/v1/conversations/${widget.session.conversationId}/events`);
    url.searchParams.set('token', widget.session.visitorToken);
    url.searchParams.set('lastEventId', all.events[0]!.id!);
    const { SseClient } = await import('./helpers.ts');
    const both = new SseClient(url.toString(), { origin: widget.origin, 'last-event-id': all.events.at(-2)!.id! });
    await both.until((es) => es.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(both.events).toEqual(all.events.slice(-1));
    await both.close();
  });
});
