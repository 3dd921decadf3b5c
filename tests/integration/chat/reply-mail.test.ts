import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSmtp, type ParsedMail, type TestSmtp } from '../../fakes/smtp-server.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createMerchant, type TestMerchant } from '../../helpers/merchant.ts';
import { createStore, STORE_ORIGIN, WidgetClient, type TestStore } from './helpers.ts';

/** Issue #18: a merchant's reply reaches, by email, a shopper who has left — once, and only then. */
const GRACE_MS = 1_500;

describe('reply mail to a shopper who left', () => {
  let smtp: TestSmtp;
  let app: TestApp;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    app = await startTestApp(
      { SMTP_URL: smtp.url, PUBLIC_URL: 'https://concierge.test' },
      { chat: { replyMail: { graceMs: GRACE_MS, presenceRefreshMs: 500, worker: { tickSeconds: 1, backoffBaseMs: 300 } } } },
    );
  });
  afterAll(async () => {
    await app?.stop();
    await smtp?.close();
  });

  const to = (m: ParsedMail) => (m.to as { text: string }).text;
  const mailsTo = (email: string) => smtp.mails.filter((m) => to(m).includes(email));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** A header as sent (mailparser folds List-* headers into its own `list` object). */
  const header = (m: ParsedMail, name: string) =>
    m.headerLines
      .find((h) => h.key === name)
      ?.line.slice(name.length + 1)
      .replace(/\r?\n[ \t]+/g, '')
      .trim();

  async function shopperWhoLeft(store: TestStore, email: string, body: Record<string, unknown> = {}) {
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey, body);
    const stream = widget.stream();
    await stream.opened();
    const res = await fetch(`${app.url}/widget/v1/conversations/${widget.session.conversationId}/contact`, {
      method: 'POST',
      headers: widget.headers(),
      body: JSON.stringify({ email, text: 'Is the jacket waterproof?' }),
    });
    expect(res.status).toBe(202);
    await stream.close();
    return widget;
  }

  async function reply(merchant: TestMerchant, conversationId: string, text: string) {
    const res = await fetch(`${app.url}/api/v1/conversations/${conversationId}/messages`, { method: 'POST', headers: merchant.headers, body: JSON.stringify({ text }) });
    expect(res.status, await res.clone().text()).toBe(201);
  }

  async function outboxRows(tenantId: string) {
    return app.application.db.tenant(tenantId, (trx) => trx('chat_reply_mails').where({ tenant_id: tenantId }).select('status', 'last_error', 'attempts'));
  }

  it('batches the replies of the grace period into one German mail with a link that resumes the conversation, sent once', async () => {
    const store = await createStore(app.application, { name: 'Laden & Co' });
    const agent = await createMerchant(app.application, { tenantId: store.tenantId, role: 'agent' });
    const email = 'kundin@example.org';
    const widget = await shopperWhoLeft(store, email, { locale: 'de-DE' });
    const conversationId = widget.session.conversationId;

    await reply(agent, conversationId, 'Ja, sie ist wasserdicht.\nZweite Zeile <script>alert(1)</script>');
    await reply(agent, conversationId, 'Größe L ist auch da & sofort lieferbar.');
    expect(mailsTo(email)).toHaveLength(0); // not before the grace period ends

    const mail = await smtp.waitFor((m) => to(m).includes(email), 10_000);
    expect(mail.subject).toBe('Laden & Co hat im Chat geantwortet');
    expect(mail.text).toContain('> Ja, sie ist wasserdicht.\n> Zweite Zeile <script>alert(1)</script>');
    expect(mail.text).toContain('> Größe L ist auch da & sofort lieferbar.');
    expect(mail.text).toContain('2 Antworten');
    expect(mail.html).toContain('Zweite Zeile &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('lang="de-DE"');
    const link = /https:\/\/shop\.example\/#concierge-resume=([A-Za-z0-9._-]+)/.exec(mail.text!);
    expect(link, mail.text).not.toBeNull();
    const stop = header(mail, 'list-unsubscribe')!;
    expect(stop).toMatch(/^<https:\/\/concierge\.test\/chat\/mail-stop\/[A-Za-z0-9._-]+>$/);
    expect(header(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(mail.messageId).toMatch(/^<chat-reply-mail\.[0-9a-f-]+@concierge\.test>$/);

    // Nothing is sent twice: a few more ticks, still one mail, and the outbox says sent.
    await sleep(2_500);
    expect(mailsTo(email)).toHaveLength(1);
    expect(await outboxRows(store.tenantId)).toEqual([{ status: 'sent', last_error: null, attempts: 1 }]);

    // The link's token resumes exactly that conversation, from a browser that never saw it.
    const elsewhere = new WidgetClient(app.url);
    const resumed = await elsewhere.start(store.botKey, { resume: link![1] });
    expect(resumed.conversationId).toBe(conversationId);
    expect(resumed.visitorId).toBe(widget.session.visitorId);
    const history = await fetch(`${app.url}/widget/v1/conversations/${conversationId}/messages?limit=50`, { headers: elsewhere.headers() });
    const texts = ((await history.json()) as { items: { role: string; text: string }[] }).items.filter((m) => m.role === 'agent').map((m) => m.text);
    expect(texts).toEqual(['Ja, sie ist wasserdicht.\nZweite Zeile <script>alert(1)</script>', 'Größe L ist auch da & sofort lieferbar.']);
  });

  it('sends no mail while the shopper is connected, nor after they read the reply in the history', async () => {
    const store = await createStore(app.application);
    const agent = await createMerchant(app.application, { tenantId: store.tenantId, role: 'agent' });

    // Connected: the stream is open when the reply comes and when the mail would be due.
    const online = new WidgetClient(app.url);
    await online.start(store.botKey);
    const stream = online.stream();
    await stream.opened();
    await fetch(`${app.url}/widget/v1/conversations/${online.session.conversationId}/contact`, { method: 'POST', headers: online.headers(), body: JSON.stringify({ email: 'online@example.org', text: 'Hello' }) });
    await reply(agent, online.session.conversationId, 'Here you go, live.');
    await stream.until((es) => es.some((e) => e.event === 'message.created' && e.data.role === 'agent'));

    // Left, but came back and read the history before the grace period ended.
    const reader = await shopperWhoLeft(store, 'reader@example.org');
    await reply(agent, reader.session.conversationId, 'Answer you will read on the page.');
    const history = await fetch(`${app.url}/widget/v1/conversations/${reader.session.conversationId}/messages`, { headers: reader.headers() });
    expect(history.status).toBe(200);

    await sleep(GRACE_MS + 2_500);
    await stream.close();
    expect(mailsTo('online@example.org')).toHaveLength(0);
    expect(mailsTo('reader@example.org')).toHaveLength(0);
    const rows = await outboxRows(store.tenantId);
    expect(rows.map((r) => r.last_error).sort()).toEqual(['the shopper is connected and got the replies live', 'the shopper saw every reply']);
    expect(rows.every((r) => r.status === 'cancelled')).toBe(true);
  });

  it('retries a mail the SMTP server refused for now, and still delivers it once', async () => {
    const store = await createStore(app.application);
    const agent = await createMerchant(app.application, { tenantId: store.tenantId, role: 'agent' });
    const widget = await shopperWhoLeft(store, 'retry@example.org');
    smtp.rejectNext(1, 451);
    const rejectedBefore = smtp.rejectedCount;
    await reply(agent, widget.session.conversationId, 'Sorry for the wait.');
    const mail = await smtp.waitFor((m) => to(m).includes('retry@example.org'), 15_000);
    expect(smtp.rejectedCount).toBe(rejectedBefore + 1);
    expect(mail.subject).toMatch(/replied to your chat/);
    await sleep(2_000);
    expect(mailsTo('retry@example.org')).toHaveLength(1);
    const [row] = await outboxRows(store.tenantId);
    expect(row).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('the stop link asks first (GET), stops on POST or one-click, and later replies send nothing', async () => {
    const store = await createStore(app.application);
    const agent = await createMerchant(app.application, { tenantId: store.tenantId, role: 'agent' });
    const widget = await shopperWhoLeft(store, 'stop@example.org');
    await reply(agent, widget.session.conversationId, 'First answer.');
    const mail = await smtp.waitFor((m) => to(m).includes('stop@example.org'), 10_000);
    const stopUrl = (header(mail, 'list-unsubscribe')!).slice(1, -1).replace('https://concierge.test', app.url);

    const page = await fetch(stopUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(await page.text()).toContain('<form method="post">');
    await reply(agent, widget.session.conversationId, 'Still mailed: a GET stops nothing.');
    await smtp.waitFor((m) => to(m).includes('stop@example.org') && m.text!.includes('a GET stops nothing'), 10_000);

    const oneClick = await fetch(stopUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(oneClick.status).toBe(200);
    expect(await oneClick.text()).toContain('no more emails');
    await reply(agent, widget.session.conversationId, 'Never mailed.');
    await sleep(GRACE_MS + 2_000);
    expect(mailsTo('stop@example.org')).toHaveLength(2);

    const forged = await fetch(stopUrl.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), { method: 'POST' });
    expect(forged.status).toBe(404);
  });

  it('keeps tenants apart: a link works only with its own store, and the outbox rows are invisible to others', async () => {
    const a = await createStore(app.application);
    const b = await createStore(app.application);
    const agentA = await createMerchant(app.application, { tenantId: a.tenantId, role: 'agent' });
    const agentB = await createMerchant(app.application, { tenantId: b.tenantId, role: 'agent' });
    const widget = await shopperWhoLeft(a, 'iso@example.org');

    const foreign = await fetch(`${app.url}/api/v1/conversations/${widget.session.conversationId}/messages`, { method: 'POST', headers: agentB.headers, body: JSON.stringify({ text: 'not yours' }) });
    expect(foreign.status).toBe(404);
    await reply(agentA, widget.session.conversationId, 'From store A.');
    const mail = await smtp.waitFor((m) => to(m).includes('iso@example.org'), 10_000);
    const token = /#concierge-resume=([A-Za-z0-9._-]+)/.exec(mail.text!)![1]!;

    const other = await fetch(`${app.url}/widget/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', origin: STORE_ORIGIN }, body: JSON.stringify({ botKey: b.botKey, resume: token }) });
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const refusal = (await other.json()) as { reason: string; errors: { path: string }[] };
    expect(refusal.reason).toBe('resume-link-invalid');
    expect(refusal.errors).toEqual([{ path: 'resume', message: expect.any(String) }]);
    const tampered = await fetch(`${app.url}/widget/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', origin: STORE_ORIGIN }, body: JSON.stringify({ botKey: a.botKey, resume: `${token.slice(0, -2)}xx` }) });
    expect(tampered.status).toBe(422);

    expect(await outboxRows(a.tenantId)).toHaveLength(1);
    const seenFromB = await app.application.db.tenant(b.tenantId, (trx) => trx('chat_reply_mails').select('id'));
    expect(seenFromB).toEqual([]);
    expect(mailsTo('iso@example.org')).toHaveLength(1);
    expect(mail.text).not.toContain(b.botKey);
  });
});
