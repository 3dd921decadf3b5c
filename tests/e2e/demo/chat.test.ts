// The demo store page of the real server (DEMO_SEED, offline assistant) in Chromium: a product
// question answered over the event stream, hostile text rendered inert, history across reloads.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { focusedInWidget, watchPage } from '../widget/harness.ts';
import { assistantBubbles, describeStream, recordStream, say, serverWidgetEvents, settled, shopperPage, squash, startDemoRig, transcript, w, type DemoRig } from './rig.ts';

let rig: DemoRig;
beforeAll(async () => {
  rig = await startDemoRig();
});
afterAll(() => rig?.close());

async function openDemoChat(page: Page) {
  await page.goto(`${rig.url}/`);
  await page.locator(w('.cc-launcher')).click();
  await page.locator(w('#cc-input')).waitFor();
}

describe('the demo store page', () => {
  it('answers a product question with a streamed answer (created → deltas → completed) and a product card', async () => {
    const { context, page } = await shopperPage(rig);
    const watch = await watchPage(page);
    const stream = await recordStream(page);
    await page.goto(`${rig.url}/`);
    expect(await page.title()).toBe('Demo Store — Concierge demo');
    await page.locator(w('.cc-launcher')).click();
    await page.locator(w('#cc-input')).waitFor();
    await page.locator(`${assistantBubbles} >> text=Hi! I can help you find clothing and leather goods`).waitFor();
    expect(await page.locator(w('#cc-panel-title')).textContent()).toBe('Demo Store Assistant');

    await say(page, 'Do you have a merino sweater?');
    await page.locator(w('.cc-log .cc-msg.cc-user >> text=Do you have a merino sweater?')).waitFor();
    await expect.poll(() => stream.events.some((e) => e.event === 'message.completed' && e.data.role === 'assistant'), { timeout: 10_000 }).toBe(true);

    // On the wire: the answer grew by live deltas, each continuing where the last ended, was
    // created empty in the log (its row is written behind the first text), and was completed with their sum.
    const completed = stream.events.find((e) => e.event === 'message.completed' && e.data.role === 'assistant')!;
    const ofAnswer = stream.events.filter((e) => e.data?.messageId === completed.data.messageId);
    expect(ofAnswer.filter((e) => e.event === 'message.created')).toEqual([expect.objectContaining({ data: expect.objectContaining({ role: 'assistant', text: '' }) })]);
    expect(ofAnswer.at(-1)).toBe(completed);
    const deltas = ofAnswer.filter((e) => e.event === 'message.delta');
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.map((d) => d.data.offset)).toEqual(deltas.map((_, i) => deltas.slice(0, i).reduce((n, d) => n + (d.data.delta as string).length, 0)));
    expect(deltas.map((d) => d.data.delta).join('')).toBe(completed.data.text);
    expect(completed.data.text).toContain('**Merino Wool Crew Sweater** — €89.00');
    // Logged events: increasing ids, each once; a live delta's id is a position after its logged id.
    const ids = stream.events.filter((e) => e.event !== 'message.delta').map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    for (const d of deltas) expect(d.id).toMatch(/^\d+\.[0-9a-f]{8}\.\d+$/);

    // On screen: the rendered markdown, and a card for the product.
    const answer = page.locator(assistantBubbles).last();
    await expect.poll(async () => squash(await answer.locator('.cc-md').textContent())).toContain('Merino Wool Crew Sweater — €89.00: A fine-gauge crew neck');
    expect(await answer.locator('.cc-md strong').first().textContent()).toBe('Merino Wool Crew Sweater');
    const card = answer.locator('.cc-card');
    expect(await card.locator('.cc-card-title').textContent()).toBe('Merino Wool Crew Sweater');
    expect(await card.locator('.cc-price').textContent()).toBe('€89.00');
    // Announced to screen readers once complete, with the bot's name.
    await expect.poll(() => page.locator(w('[aria-live="polite"]')).textContent()).toMatch(/^Demo Store Assistant: Here is what I found:/);
    await expect.poll(() => page.locator(w('.cc-log .cc-dots')).count()).toBe(0);
    expect(await focusedInWidget(page)).toBe('#cc-input');

    // Besides the answer's live text, the browser saw exactly the server's log of this conversation,
    // nothing more, nothing less (once the turn's last event, typing off, is in).
    await expect.poll(() => stream.events.some((e) => e.event === 'typing' && e.data.active === false)).toBe(true);
    const server = await serverWidgetEvents(rig, stream.conversationId());
    const logged = stream.events.filter((e) => e.event !== 'message.delta');
    expect(logged.map((e) => `${e.id} ${e.event}`), describeStream(stream)).toEqual(server.map((e) => `${e.seq} ${e.type}`));
    expect(watch.errors).toEqual([]);
    await context.close();
  });

  it('renders <img onerror>, <script> and javascript: links as inert text (shopper and team messages), before and after a reload', async () => {
    const { context, page } = await shopperPage(rig);
    const watch = await watchPage(page);
    const stream = await recordStream(page);
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await openDemoChat(page);
    const hostile = [
      '<img src=x onerror="window.__xss=1;alert(1)">',
      '<script>window.__xss=2;alert(2)</script>',
      '[click me](javascript:window.__xss=3)',
      '<a href="javascript:window.__xss=4">x</a>',
    ];
    // The shopper types it...
    await say(page, hostile.join(' '));
    const mine = page.locator(w('.cc-log .cc-msg.cc-user')).last();
    await expect.poll(async () => (await mine.textContent())?.includes(hostile.join(' '))).toBe(true);
    const [stored] = await settled(page, rig, await stream.conversation(), 1);
    expect(stored).toMatchObject({ role: 'user', text: hostile.join(' ') }); // kept as typed
    // ...and a team member answers with it, as markdown, through the merchant API (the widget
    // renders team and assistant text with the same markdown renderer).
    const agentText = `Hi, Kim from the shop here.\n\n${hostile.join('\n\n')}\n\n[a real link](https://demo-store.example/help)`;
    const res = await fetch(`${rig.url}/api/v1/conversations/${stream.conversationId()}/messages`, {
      method: 'POST',
      headers: rig.owner.headers,
      body: JSON.stringify({ text: agentText }),
    });
    expect(res.status).toBe(201);
    const agent = page.locator(w('.cc-log .cc-msg.cc-agent')).last();
    await agent.locator('text=Hi, Kim from the shop here.').waitFor();

    async function expectInert() {
      const log = page.locator(w('.cc-log'));
      // Every hostile piece is there as text...
      for (const piece of hostile) expect(await agent.locator('.cc-md').textContent()).toContain(piece);
      expect(await mine.textContent()).toContain(hostile.join(' '));
      // ...and nothing of it became markup.
      expect(await log.locator('img, script, iframe, object, embed, svg').count()).toBe(0);
      expect(await page.locator(w('a[href^="javascript" i]')).count()).toBe(0);
      expect(await page.locator('img[src="x"], body > script:not([src])').count()).toBe(0);
      // The one real link is a plain https link opening in a new tab.
      const links = agent.locator('a');
      expect(await links.count()).toBe(1);
      expect(await links.first().getAttribute('href')).toBe('https://demo-store.example/help');
      expect(await links.first().getAttribute('rel')).toBe('noopener noreferrer');
      // Clicking the would-be links does nothing either.
      await agent.locator('text=[click me](javascript:window.__xss=3)').click();
      await mine.click();
      await page.waitForTimeout(200);
      expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
      expect(dialogs).toEqual([]);
      expect(watch.errors).toEqual([]);
    }
    await expectInert();
    const live = await transcript(page);

    // History comes back from the server on reload and goes through the same safe rendering.
    await page.reload();
    await agent.locator('text=Hi, Kim from the shop here.').waitFor();
    expect(await transcript(page)).toEqual(live);
    await expectInert();
    await context.close();
  });

  it('keeps the conversation across a reload in the middle of an answer, each message once, and goes on', async () => {
    const { context, page } = await shopperPage(rig);
    const stream = await recordStream(page);
    await openDemoChat(page);
    await say(page, 'Do you sell leather belts?');
    await settled(page, rig, await stream.conversation(), 1);

    // Reload as soon as the server took the second question, while the assistant is answering it.
    const posted = page.waitForResponse((r) => r.url().endsWith('/messages') && r.request().method() === 'POST');
    await say(page, 'How long does shipping take?');
    expect((await posted).status()).toBe(202);
    await page.reload();

    // The panel is open again (without stealing focus) and shows exactly the server's conversation.
    await page.locator(w('#cc-input')).waitFor();
    expect(await page.evaluate(() => document.activeElement === document.body)).toBe(true);
    const messages = await settled(page, rig, await stream.conversation(), 2);
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(messages[3]!.text).toMatch(/^From our FAQ:/);
    expect((await transcript(page)).filter((s) => s === 'cc-user: How long does shipping take?')).toHaveLength(1);
    // One visitor, one conversation: every stream (before and after the reload) was for the same one.
    expect(new Set(stream.connections.map((u) => new URL(u).pathname)).size).toBe(1);

    // And the conversation goes on after the reload.
    await say(page, 'Thanks!');
    const after = await settled(page, rig, await stream.conversation(), 3);
    expect(after.at(-1)!.text).toMatch(/^You're welcome!/);
    await context.close();
  });
});
