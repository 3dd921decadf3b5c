import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSmtp, type TestSmtp } from '../../fakes/smtp-server.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createMerchant } from '../../helpers/merchant.ts';
import { completed, createStore, WidgetClient, type TestStore } from './helpers.ts';

/** Issue #18: "a member of our team will reply shortly" was a promise nobody kept. */
describe('handoff that reaches a human', () => {
  let smtp: TestSmtp;
  let app: TestApp;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    app = await startTestApp({ SMTP_URL: smtp.url, PUBLIC_URL: 'https://concierge.test' });
  });
  afterAll(async () => {
    await app?.stop();
    await smtp?.close();
  });

  const ALWAYS = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ start: '00:00', end: '24:00' }]]));

  async function storeWithTeam(businessHours: Record<string, unknown> | null) {
    const store: TestStore = await createStore(app.application, {
      products: [{ handle: 'merino-sweater', title: 'Merino Wool Sweater', description: 'A warm merino crew neck.', priceCents: 8900 }],
    });
    const optedIn = await createMerchant(app.application, { tenantId: store.tenantId, role: 'agent' });
    const quiet = await createMerchant(app.application, { tenantId: store.tenantId, role: 'owner' });
    const before = await fetch(`${app.url}/api/v1/me/notifications`, { headers: optedIn.headers });
    expect(await before.json()).toEqual({ handoffEmail: false });
    const put = await fetch(`${app.url}/api/v1/me/notifications`, { method: 'PUT', headers: optedIn.headers, body: JSON.stringify({ handoffEmail: true }) });
    expect(put.status).toBe(200);
    const patched = await fetch(`${app.url}/api/v1/bots/${store.botId}`, { method: 'PATCH', headers: quiet.headers, body: JSON.stringify({ businessHours }) });
    expect(patched.status, await patched.clone().text()).toBe(200);
    expect((await patched.json()).businessHours).toEqual(businessHours);
    return { store, optedIn, quiet };
  }

  async function ask(widget: WidgetClient, stream: ReturnType<WidgetClient['stream']>, text: string) {
    const n = completed(stream.events).length;
    await widget.send(text);
    const events = await stream.until((es) => completed(es).length === n + 1);
    return completed(events)[n]!.data;
  }

  it('mails the members who opted in, tells the shopper someone will join, and does not answer "anyone there?" with its generic line', async () => {
    const { store, optedIn, quiet } = await storeWithTeam(ALWAYS);
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    const stream = widget.stream();
    await stream.opened();

    const answer = await ask(widget, stream, 'Can I talk to a human please?');
    expect(answer.text).toContain('asked a member of our team to join');
    const mail = await smtp.waitFor((m) => (m.to as { text: string }).text.includes(optedIn.email), 10_000);
    expect(mail.subject).toMatch(/a shopper is waiting for a person/);
    expect(mail.text).toContain(`https://concierge.test/admin/conversations/${widget.session.conversationId}`);
    expect(mail.text).toContain('Can I talk to a human please?');
    expect(smtp.mails.some((m) => (m.to as { text: string }).text.includes(quiet.email))).toBe(false);

    const hello = await ask(widget, stream, 'Hello? Is anyone there?');
    expect(hello.text).toMatch(/has been asked to join and will reply here shortly/);
    const product = await ask(widget, stream, 'Do you have a merino sweater?');
    expect(product.text).toContain('Merino Wool Sweater');
    expect(product.text).toContain('A person from our team will join this chat shortly.');
    await stream.close();
  });

  it('tells the shopper honestly that nobody is online outside business hours, and offers to leave an email', async () => {
    const { store } = await storeWithTeam({});
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    const stream = widget.stream();
    await stream.opened();
    const answer = await ask(widget, stream, 'I want to speak to a real person');
    expect(answer.text).toMatch(/nobody from the team is available right now\. Leave your email address/);
    const hello = await ask(widget, stream, 'hello?');
    expect(hello.text).toMatch(/Our team is offline right now.*Leave your email address/);
    await stream.close();
  });
});
