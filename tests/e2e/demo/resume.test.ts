// Cutting the connection in the middle of a streamed answer on the demo page of the real server.
// The answer has to take a while to stream, so the demo store uses its own OpenAI-compatible model
// setting (the merchant API), pointed at the fake OpenAI server that sends a chunk every 100 ms.
// The browser's traffic goes through a loopback proxy that can cut the TCP connection (Chromium's
// offline emulation fails new requests but leaves an open EventSource streaming).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeTurn, startFakeOpenAI, type FakeOpenAI } from '../../fakes/openai-server.ts';
import { assistantBubbles, describeStream, recordStream, say, serverWidgetEvents, shopperPage, startDemoRig, w, type DemoRig } from './rig.ts';
import { startWireProxy, type WireProxy } from './wire-proxy.ts';

const ANSWER =
  'We are a small outfitter and tailor in Berlin. We sell clothing and leather goods, alter what you buy, and book fittings, repairs and workshops. Ask me anything.';

let rig: DemoRig;
let llm: FakeOpenAI;
let proxy: WireProxy;
beforeAll(async () => {
  // A short reconnect delay (`retry:`) keeps the test quick; the mechanism is the same.
  rig = await startDemoRig({ app: { chat: { sseRetryMs: 300 } } });
  llm = await startFakeOpenAI();
  proxy = await startWireProxy();
  const res = await fetch(`${rig.url}/api/v1/settings/llm`, {
    method: 'PUT',
    headers: rig.owner.headers,
    body: JSON.stringify({ apiKey: 'sk-demo-store-own-key', baseUrl: llm.url, model: 'fake-model' }),
  });
  expect(res.status).toBe(200);
  expect(((await res.json()) as { active: string }).active).toBe('tenant');
});
afterAll(async () => {
  await rig?.close();
  await proxy?.close();
  await llm?.close();
});

/**
 * The shopper opens the widget on the demo page (its traffic through the cutting proxy) and asks;
 * the model holds the answer after 5 of its 20 chunks until `until`, so a cut lands mid-answer
 * however slow the machine is. Resolves once part of the answer is on screen.
 */
async function askUntilPartOfTheAnswerShows(until: Promise<void>) {
  llm.script(fakeTurn.text(ANSWER, { chunks: 20, delayMs: 40, hold: { afterChunks: 5, until } }));
  const { context, page } = await shopperPage(rig, { proxy: { server: proxy.server, bypass: '<-loopback>' } });
  const stream = await recordStream(page);
  await page.goto(`${rig.url}/`);
  await page.locator(w('.cc-launcher')).click();
  await page.locator(w('#cc-input')).waitFor();
  await say(page, 'Tell me about your shop');
  const bubble = page.locator(assistantBubbles).nth(1).locator('.cc-md');
  await expect.poll(async () => (await bubble.textContent())?.length ?? 0, { timeout: 10_000 }).toBeGreaterThan(10);
  return { context, page, stream, bubble };
}

/** Each delta's offset is where the deltas before it ended: the live text is contiguous. */
function expectContiguous(live: { data: Record<string, unknown> }[], message?: string): void {
  const ends = live.map((_, i) => live.slice(0, i).reduce((n, e) => n + (e.data.delta as string).length, 0));
  expect(live.map((e) => e.data.offset as number), message).toEqual(ends);
}

describe('a connection cut mid-answer', () => {
  it('resumes with Last-Event-ID after the answer completed: the whole answer once, no duplicated text, no gap in the event ids', async () => {
    // The model holds the rest of the answer until the connection is cut.
    let releaseModel!: () => void;
    const { context, page, stream, bubble } = await askUntilPartOfTheAnswerShows(new Promise<void>((resolve) => (releaseModel = resolve)));
    // Mid-stream: part of the answer is on screen.
    const before = (await bubble.textContent()) ?? '';
    expect(ANSWER.startsWith(before)).toBe(true);
    expect(before.length).toBeLessThan(ANSWER.length);

    // Cut the connection, and keep the browser's reconnects waiting until the answer is complete
    // on the server: the rest can only arrive by replay from the event log.
    const hold = proxy.holdStreams();
    expect(proxy.cutStreams()).toBe(1);
    releaseModel();
    const conversationId = stream.conversationId();
    await expect
      .poll(async () => (await serverWidgetEvents(rig, conversationId)).some((e) => e.type === 'message.completed' && (e.data as { role: string }).role === 'assistant'), {
        timeout: 10_000,
      })
      .toBe(true);
    await expect.poll(() => proxy.held, { timeout: 5_000 }).toBeGreaterThan(0); // the browser is trying to come back
    const whileCut = (await bubble.textContent()) ?? '';
    expect(whileCut.length).toBeLessThan(ANSWER.length);
    // (Read only now: events the browser got just before the cut reach this process a little later.)
    const lastBeforeCut = stream.events.at(-1)!.id;
    hold.release();

    // The whole answer, exactly once.
    await expect.poll(() => bubble.textContent(), { timeout: 10_000 }).toBe(ANSWER);
    expect(await page.locator(assistantBubbles).count()).toBe(2); // greeting + this answer
    expect(await page.locator(w('.cc-log .cc-msg.cc-user')).allTextContents()).toEqual(['You: Tell me about your shop']);
    await expect.poll(() => page.locator(w('.cc-log .cc-dots')).count()).toBe(0);
    await expect.poll(() => page.locator(w('[aria-live="polite"]')).textContent()).toBe(`Demo Store Assistant: ${ANSWER}`);

    // The reconnect asked for what came after the last event the browser had: live text of the
    // answer, so its id is a position in it (EventIdSchema)...
    const reconnect = proxy.streams.at(-1)!;
    expect(proxy.streams).toHaveLength(2);
    // (its last event, or a later block with only an id that moved the position: a logged event mid-answer)
    const resumedAt = reconnect.lastEventId!;
    expect(resumedAt).toMatch(/^\d+\.[0-9a-f]{8}\.\d+$/);
    expect(Number(resumedAt.split('.')[0])).toBeGreaterThanOrEqual(Number(lastBeforeCut.split('.')[0]));
    // ...and the logged events continued from there: every event of the server's log, each once, in
    // order (the answer's text is not in the log: it came back with its completion).
    await expect.poll(() => stream.events.some((e) => e.event === 'typing' && e.data.active === false)).toBe(true);
    const server = await serverWidgetEvents(rig, conversationId);
    const logged = stream.events.filter((e) => e.event !== 'message.delta');
    expect(logged.map((e) => `${e.id} ${e.event}`), describeStream(stream)).toEqual(server.map((e) => `${e.seq} ${e.type}`));
    const afterCut = logged.filter((e) => Number(e.id) > Number(resumedAt.split('.')[0]));
    expect(afterCut.map((e) => e.event)).toContain('message.completed');
    // Before the cut, the live text was contiguous: each delta continued where the last ended.
    const live = stream.events.filter((e) => e.event === 'message.delta' && e.data.role === 'assistant');
    expectContiguous(live);
    expect(ANSWER.startsWith(live.map((e) => e.data.delta as string).join(''))).toBe(true);

    // The conversation carries on over the new connection.
    llm.script(fakeTurn.text('Glad to help!', { chunks: 2 }));
    await say(page, 'Thanks');
    await expect.poll(() => page.locator(assistantBubbles).count()).toBe(3);
    await expect.poll(() => page.locator(assistantBubbles).last().locator('.cc-md').textContent()).toBe('Glad to help!');
    await context.close();
  });

  it('resumes mid-answer with Last-Event-ID: the text goes on exactly where it stopped, none of it sent twice', async () => {
    let releaseModel!: () => void;
    const { context, page, stream, bubble } = await askUntilPartOfTheAnswerShows(new Promise<void>((resolve) => (releaseModel = resolve)));

    // Cut while the model holds the rest; the browser comes back while the answer still streams.
    const streamsBefore = proxy.streams.length;
    expect(proxy.cutStreams()).toBe(1);
    await expect.poll(() => proxy.streams.length, { timeout: 10_000 }).toBe(streamsBefore + 1);
    const reconnect = proxy.streams.at(-1)!;
    expect(reconnect.lastEventId).toMatch(/^\d+\.[0-9a-f]{8}\.\d+$/);
    const had = Number(reconnect.lastEventId!.split('.')[2]);
    expect(had).toBeGreaterThan(0);
    releaseModel();

    await expect.poll(() => bubble.textContent(), { timeout: 10_000 }).toBe(ANSWER);
    await expect.poll(() => stream.events.some((e) => e.event === 'typing' && e.data.active === false)).toBe(true);
    // Across both connections, every piece of text arrived once: each delta starts where the one
    // before it ended (the new connection went on from the position the browser named, not from the start).
    const live = stream.events.filter((e) => e.event === 'message.delta');
    expectContiguous(live, describeStream(stream));
    expect(live.map((e) => e.data.delta as string).join('')).toBe(ANSWER);
    expect(live.some((e) => e.data.offset === had)).toBe(true);
    expect(await page.locator(assistantBubbles).count()).toBe(2);
    await context.close();
  });
});
