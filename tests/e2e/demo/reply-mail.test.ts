// Issue #18: a merchant's reply reaches a shopper who left, by email, and the mail's link reopens
// the conversation in the widget on the store's page — in real Chromium against the real server
// (demo store) and a real SMTP server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedMail } from '../../fakes/smtp-server.ts';
import { say, serverMessages, shopperPage, startDemoRig, w, type DemoRig } from './rig.ts';

const GRACE_MS = 1_500;
let rig: DemoRig;
beforeAll(async () => {
  rig = await startDemoRig({ smtp: true, app: { chat: { replyMail: { graceMs: GRACE_MS, presenceRefreshMs: 500 } } } });
});
afterAll(async () => {
  await rig?.close();
});

const to = (m: ParsedMail) => (m.to as { text: string }).text;

async function agentReply(conversationId: string, text: string) {
  const res = await fetch(`${rig.url}/api/v1/conversations/${conversationId}/messages`, { method: 'POST', headers: rig.owner.headers, body: JSON.stringify({ text }) });
  expect(res.status).toBe(201);
}

describe('a reply mail to a shopper who left', () => {
  it('arrives once, in English, and its link opens the conversation with the reply in the widget; no mail while the shopper is back', async () => {
    const email = 'sam@example.org';
    // The shopper chats, leaves an email address, and closes the tab.
    const first = await shopperPage(rig);
    const session = first.page.waitForResponse((r) => r.url().endsWith('/widget/v1/sessions') && r.status() === 201);
    await first.page.goto(`${rig.url}/`);
    await first.page.locator(w('.cc-launcher')).click();
    await first.page.locator(w('#cc-input')).waitFor();
    const { visitorToken, conversationId } = (await (await session).json()) as { visitorToken: string; conversationId: string };
    await say(first.page, 'Do you alter trousers?');
    await expect.poll(async () => (await serverMessages(rig, conversationId)).filter((m) => m.role === 'assistant' && m.status === 'complete').length, { timeout: 15_000 }).toBe(1);
    // The address, as the widget's email form sends it (the form itself is covered by tests/e2e/widget).
    const contact = await fetch(`${rig.url}/widget/v1/conversations/${conversationId}/contact`, {
      method: 'POST',
      headers: { authorization: `Bearer ${visitorToken}`, origin: rig.url, 'content-type': 'application/json' },
      body: JSON.stringify({ email, text: 'Do you alter trousers?' }),
    });
    expect(contact.status).toBe(202);
    await first.context.close();

    await agentReply(conversationId, 'Yes, we shorten trousers within 3 days — bring them by any time.');
    const mail = await rig.smtp!.waitFor((m) => to(m).includes(email), 15_000);
    expect(mail.subject).toBe('Demo Store replied to your chat');
    expect(mail.text).toContain('> Yes, we shorten trousers within 3 days — bring them by any time.');
    const link = new RegExp(`${rig.url.replace(/[.]/g, '\\.')}/#concierge-resume=[A-Za-z0-9._-]+`).exec(mail.text!)?.[0];
    expect(link, mail.text).toBeTruthy();

    // A browser that never saw the conversation follows the link: the widget opens it.
    const second = await shopperPage(rig);
    await second.page.goto(link!);
    await second.page.locator(w('.cc-log .cc-msg.cc-agent')).filter({ hasText: 'we shorten trousers within 3 days' }).waitFor({ timeout: 15_000 });
    await second.page.locator(w('.cc-log .cc-msg.cc-user')).filter({ hasText: 'Do you alter trousers?' }).waitFor();
    expect(second.page.url()).toBe(`${rig.url}/`); // the token left the address bar

    // Back and connected: the next reply arrives live, and no mail goes out for it.
    await agentReply(conversationId, 'Your slot is reserved.');
    await second.page.locator(w('.cc-log .cc-msg.cc-agent')).filter({ hasText: 'Your slot is reserved.' }).waitFor({ timeout: 10_000 });
    await new Promise((r) => setTimeout(r, GRACE_MS + 2_500));
    expect(rig.smtp!.mails.filter((m) => to(m).includes(email))).toHaveLength(1);
    await second.context.close();
  });
});
