// The chat in a real browser against the fake server: streaming, safe rendering, reconnects,
// history across reloads, unread badge, handoff, and the email form when things fail.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostPage, newPage, sel, startRig, watchPage, type Rig } from './harness.ts';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ deltaDelayMs: 20 });
  rig.fake.setPage('/shop', { html: hostPage({ botKey: rig.fake.botKey }) });
});
afterAll(() => rig?.close());

async function openChat(page: Page) {
  await page.goto(`${rig.fake.url}/shop`);
  await page.locator(sel.launcher).click();
  await page.locator(sel.input).waitFor();
}
async function say(page: Page, text: string) {
  await page.locator(sel.input).fill(text);
  await page.keyboard.press('Enter');
}
const assistantBubbles = 'concierge-widget .cc-log .cc-msg.cc-assistant';

describe('chat', () => {
  it('streams an answer after a typing indicator and announces it politely', async () => {
    const answer = 'Our **Trail 29** costs 1299 EUR and ships in 2 days.';
    // Half a second before the first token, like a model thinking: the typing indicator shows meanwhile.
    // The fake then holds the answer after 9 characters until the test has seen it mid-stream.
    let release!: () => void;
    const seenMidStream = new Promise<void>((resolve) => (release = resolve));
    rig.fake.setReply(async () => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      return { text: answer, chunkSize: 3, delayMs: 60, hold: { afterChars: 9, until: seenMidStream } };
    });
    const { context, page } = await newPage(rig);
    await openChat(page);
    await say(page, 'How much is the Trail 29?');

    await page.locator('concierge-widget .cc-dots').first().waitFor();
    const last = page.locator(assistantBubbles).last().locator('.cc-md');
    // Mid-stream the bubble holds part of the answer (the greeting is an assistant bubble too,
    // so wait for the answer's own first word rather than any text).
    await expect.poll(async () => (await last.textContent()) ?? '', { interval: 20 }).toMatch(/^Our /);
    const partial = (await last.textContent()) ?? '';
    expect(partial.length).toBeLessThan('Our Trail 29 costs 1299 EUR and ships in 2 days.'.length);
    release();

    await expect.poll(() => last.textContent(), { timeout: 15_000 }).toBe('Our Trail 29 costs 1299 EUR and ships in 2 days.');
    expect(await last.locator('strong').textContent()).toBe('Trail 29');
    await expect.poll(() => page.locator('concierge-widget #cc-panel .cc-dots').count()).toBe(0);
    const live = page.locator('concierge-widget [aria-live="polite"]');
    await expect.poll(() => live.textContent()).toBe('Velo Assistant: Our Trail 29 costs 1299 EUR and ships in 2 days.');
    await context.close();
  });

  it('renders hostile markup as inert text: no dialog, no script, no <img>', async () => {
    rig.fake.setReply(() => ({
      text: [
        '<img src=x onerror="window.__xss=1;alert(1)">',
        '<script>window.__xss=2;alert(2)</script>',
        '[click me](javascript:window.__xss=3) and <a href="javascript:alert(4)">x</a>',
        '<svg onload=alert(5)>',
      ].join('\n\n'),
      chunkSize: 40,
    }));
    const { context, page } = await newPage(rig);
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const watch = await watchPage(page);
    await openChat(page);
    await say(page, 'show me something');
    const bubble = page.locator(assistantBubbles).last();
    await bubble.locator('text=<script>window.__xss=2;alert(2)</script>').waitFor();
    await bubble.locator('text=[click me](javascript:window.__xss=3)').click();

    expect(await bubble.locator('img, script, svg, iframe').count()).toBe(0);
    expect(await bubble.locator('a').count()).toBe(0);
    expect(await bubble.locator('.cc-md').textContent()).toContain('<img src=x onerror="window.__xss=1;alert(1)">');
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(watch.errors).toEqual([]);
    await context.close();
  });

  it('shows product cards with safe links', async () => {
    rig.fake.setReply(() => ({
      text: 'This one fits:',
      cards: [
        {
          type: 'product',
          productId: 'p1',
          title: 'Trail 29',
          price: { amount: '1299.00', currency: 'EUR' },
          imageUrl: `${rig.fake.url}/fake-assets/trail.svg`,
          url: 'https://shop.example/products/trail-29',
        },
      ],
    }));
    const { context, page } = await newPage(rig);
    await openChat(page);
    await say(page, 'a trail bike?');
    const card = page.locator('concierge-widget .cc-card').last();
    await card.waitFor();
    expect(await card.locator('.cc-card-title').textContent()).toBe('Trail 29');
    expect(await card.locator('.cc-price').textContent()).toBe('€1,299.00');
    const link = card.locator('a');
    expect(await link.getAttribute('href')).toBe('https://shop.example/products/trail-29');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await card.locator('img').getAttribute('src')).toBe(`${rig.fake.url}/fake-assets/trail.svg`);
    await context.close();
  });

  it('resumes a stream cut mid-answer with Last-Event-ID, without gaps or repeats', async () => {
    const answer = 'One two three four five six seven eight nine ten eleven twelve.';
    // The fake holds the answer after its first 12 characters until the stream is cut, so the cut
    // lands mid-answer however slow the machine is.
    let release!: () => void;
    const cutDone = new Promise<void>((resolve) => (release = resolve));
    rig.fake.setReply(() => ({ text: answer, chunkSize: 4, delayMs: 30, hold: { afterChars: 12, until: cutDone } }));
    const { context, page } = await newPage(rig);
    await openChat(page);
    await say(page, 'count for me');
    const last = page.locator(assistantBubbles).last().locator('.cc-md');
    // Wait for the answer itself (the greeting above it is an assistant bubble with text too): the
    // fake holds it after 12 characters, so the cut below always lands mid-answer on an open stream.
    await expect.poll(async () => (await last.textContent()) ?? '', { interval: 20 }).toMatch(/^One two/);
    const cut = rig.fake.state.requests.length;
    rig.fake.dropStreams();
    expect((await last.textContent())?.length ?? 0).toBeLessThan(answer.length);
    release();
    await expect.poll(() => last.textContent(), { timeout: 10_000 }).toBe(answer);

    // The stream comes back from where it was cut: EventSource's own reconnect sends the
    // Last-Event-ID header, the widget's fresh connection (when EventSource gave up) ?lastEventId=.
    // Which one happens first depends on timing; either must carry a position past the start.
    const resumedFrom = () =>
      rig.fake.state.requests
        .slice(cut)
        .filter((r) => r.path.endsWith('/events'))
        .map((r) => r.headers['last-event-id'] ?? r.query.lastEventId)
        .filter((id): id is string => typeof id === 'string');
    await expect.poll(() => resumedFrom().length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(Number(resumedFrom()[0]!.split('.')[0])).toBeGreaterThan(0);
    await context.close();
  });

  it('keeps the conversation and the open panel across a reload, without taking focus', async () => {
    rig.fake.setReply((text) => ({ text: `Noted: ${text}` }));
    const { context, page } = await newPage(rig);
    await openChat(page);
    await say(page, 'remember me');
    await page.locator(`${assistantBubbles} >> text=Noted: remember me`).waitFor();

    await page.reload();
    await page.locator(`${assistantBubbles} >> text=Noted: remember me`).waitFor();
    expect(await page.locator('concierge-widget .cc-msg.cc-user').allTextContents()).toEqual(['You: remember me']);
    expect(await page.locator(sel.panel).isVisible()).toBe(true);
    expect(await page.evaluate(() => document.activeElement === document.body)).toBe(true);
    // Same visitor, same conversation: the server is the source of truth.
    const sessions = rig.fake.state.requests.filter((r) => r.path === '/widget/v1/sessions' && r.status === 201);
    const lastTwo = sessions.slice(-2).map((r) => (r.body as { visitorId?: string }).visitorId);
    expect(lastTwo[1]).toBeDefined();
    await context.close();
  });

  it('counts unread agent messages on the launcher and shows the handoff banner', async () => {
    rig.fake.setReply((text) => ({ text: `You said: ${text}` }));
    const { context, page } = await newPage(rig);
    await openChat(page);
    await say(page, 'I want a human');
    await page.locator(`${assistantBubbles} >> text=You said: I want a human`).waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator(sel.panel).isVisible()).toBe(false);

    const conversationId = [...rig.fake.state.sessions.values()].at(-1)!.conversationId;
    rig.fake.agentSay(conversationId, 'Hi, Anna here. How can I help?', { takeOver: true, agentName: 'Anna' });
    const badge = page.locator(sel.badge);
    await expect.poll(() => badge.textContent()).toBe('1');
    expect(await badge.isVisible()).toBe(true);
    expect(await page.locator(sel.launcher).getAttribute('aria-label')).toBe('Open chat, 1 unread message');

    await page.locator(sel.launcher).click();
    await page.locator('concierge-widget .cc-banner >> text=Anna is answering').waitFor();
    await page.locator('concierge-widget .cc-msg.cc-agent >> text=Hi, Anna here. How can I help?').waitFor();
    expect(await badge.isVisible()).toBe(false);
    await context.close();
  });

  it('offers the email form when the assistant fails, and sends it', async () => {
    rig.fake.setReply(() => ({ error: 'PROVIDER_UNAVAILABLE' }));
    const { context, page } = await newPage(rig);
    await openChat(page);
    await say(page, 'Do you ship to Austria?');
    await page.locator('concierge-widget [role="alert"] >> text=Sorry, I can’t answer right now.').waitFor();
    await page.locator('concierge-widget button >> text=Ask by email instead').click();
    expect(await page.locator('concierge-widget #cc-contact-text').inputValue()).toBe('Do you ship to Austria?');
    await page.locator('concierge-widget #cc-contact-email').fill('kim@example.com');
    await page.locator('concierge-widget button[type="submit"] >> text=Send').click();
    await page.locator('concierge-widget >> text=Thank you! We will answer by email.').waitFor();
    expect(rig.fake.state.contacts.at(-1)).toMatchObject({ email: 'kim@example.com', text: 'Do you ship to Austria?' });
    await context.close();
  });

  it('when the server is unreachable, keeps the email and sends it once it is back', async () => {
    const { context, page } = await newPage(rig);
    await openChat(page);
    const contactsBefore = rig.fake.state.contacts.length;
    rig.fake.setDown(true);
    await page.locator('concierge-widget .cc-banner.cc-warn >> text=The chat is not reachable right now.').waitFor({ timeout: 10_000 });
    await page.locator('concierge-widget button >> text=Ask by email instead').click();
    await page.locator('concierge-widget #cc-contact-email').fill('lee@example.com');
    await page.locator('concierge-widget #cc-contact-text').fill('Are you open on Sunday?');
    await page.locator('concierge-widget button[type="submit"] >> text=Send').click();
    await page.locator('concierge-widget >> text=Saved. It will be sent as soon as we are back online.').waitFor();
    expect(rig.fake.state.contacts.length).toBe(contactsBefore);

    rig.fake.setDown(false);
    await expect.poll(() => rig.fake.state.contacts.length, { timeout: 15_000 }).toBe(contactsBefore + 1);
    expect(rig.fake.state.contacts.at(-1)).toMatchObject({ email: 'lee@example.com', text: 'Are you open on Sunday?' });
    await context.close();
  });
});
