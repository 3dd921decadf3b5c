// Issue #18: `widgetOpens` stayed 0 (nothing counted an opening) and there was no rating control,
// so CSAT was always empty. Real Chromium against the fake widget API, asserting on its state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostPage, newPage, sel, startRig, type Rig } from './harness.ts';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ deltaDelayMs: 5 });
  rig.fake.setPage('/shop', { html: hostPage({ botKey: rig.fake.botKey }) });
});
afterAll(() => rig?.close());

describe('widget opens and rating', () => {
  it('counts every opening of the panel, and rates the conversation with thumbs up/down at its end', async () => {
    rig.fake.setReply(async () => ({ text: 'Happy to help.', chunkSize: 5, delayMs: 5 }));
    const { context, page } = await newPage(rig);
    await page.goto(`${rig.fake.url}/shop`);
    await page.locator(sel.launcher).click();
    await page.locator(sel.input).waitFor();
    const conversationId = () => [...rig.fake.state.conversations.keys()].at(-1)!;
    await expect.poll(() => rig.fake.state.opened.get(conversationId()) ?? 0).toBe(1);

    // No rating before the assistant said anything.
    expect(await page.locator('concierge-widget .cc-rate').count()).toBe(0);
    await page.locator(sel.input).fill('Hello, do you ship to Austria?');
    await page.keyboard.press('Enter');
    const rate = page.locator('concierge-widget .cc-rate');
    await rate.waitFor();
    await rate.getByRole('button', { name: 'Not helpful', exact: true }).click();
    await expect.poll(() => rig.fake.state.ratings.get(conversationId())?.rating).toBe('down');
    // The widget marks a choice once the server has taken it: the fake's state changes a moment before.
    const pressed = (name: string) => rate.getByRole('button', { name, exact: true }).getAttribute('aria-pressed');
    await expect.poll(() => pressed('Not helpful')).toBe('true');
    await rate.getByRole('button', { name: 'Helpful', exact: true }).click();
    await expect.poll(() => rig.fake.state.ratings.get(conversationId())?.rating).toBe('up');
    await expect.poll(() => pressed('Helpful')).toBe('true');
    expect(await pressed('Not helpful')).toBe('false');
    expect(await rate.locator('[role="status"]').textContent()).toBe('Thanks for your feedback!');

    // Close and open again: a second opening.
    await page.keyboard.press('Escape');
    await page.locator(sel.launcher).click();
    await expect.poll(() => rig.fake.state.opened.get(conversationId()) ?? 0).toBe(2);
    await context.close();
  });
});
