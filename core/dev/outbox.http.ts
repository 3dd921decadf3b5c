import type { Express, RequestHandler } from 'express';
import type { HttpModule } from '../http/app.ts';
import { html } from '../http/html.ts';
import { problems } from '../http/problem.ts';
import type { MailOutboxReader } from '../mail/mail.port.ts';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * Only for a browser on this machine (issue 14): the outbox holds password-reset links, so with
 * HOST=0.0.0.0 anyone on the network could otherwise take over an account. Both the socket's peer
 * and the client address (X-Forwarded-For through a trusted proxy) must be loopback, so a reverse
 * proxy on the same host does not open it to the world.
 */
export const loopbackOnly: RequestHandler = (req, _res, next) => {
  const peer = req.socket.remoteAddress ?? '';
  if (LOOPBACK.test(peer) && LOOPBACK.test(req.ip ?? '')) return next();
  next(problems.notFound());
};

/** /dev/outbox: read the mail the development outbox kept (never mounted in production, loopback only). */
export function devOutboxHttpModule(outbox: MailOutboxReader): HttpModule {
  return {
    name: 'dev-outbox',
    mount(app: Express) {
      app.use(['/dev/outbox', '/dev/outbox.json'], loopbackOnly);
      app.get('/dev/outbox.json', async (_req, res) => {
        res.json({ items: await outbox.list(100), nextCursor: null });
      });
      app.get('/dev/outbox', async (_req, res) => {
        const mails = await outbox.list(100);
        const rows = mails.map(
          (m) => html`<tr><td>${m.at.toISOString()}</td><td>${[m.to].flat().join(', ')}</td><td><a href="/dev/outbox/${encodeURIComponent(m.id)}">${m.subject}</a></td><td>${m.attachments.map((a) => a.filename).join(', ')}</td></tr>`,
        );
        res.type('html').send(String(html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Dev outbox</title></head>
<body><h1>Development outbox</h1><p>Mail is kept here because SMTP_URL is not set.</p>
<table><thead><tr><th>When</th><th>To</th><th>Subject</th><th>Attachments</th></tr></thead><tbody>${rows}</tbody></table></body></html>`));
      });
      app.get('/dev/outbox/:id', async (req, res) => {
        const mail = await outbox.get(String(req.params.id));
        if (!mail) throw problems.notFound('No such mail in the outbox.');
        res.type('html').send(String(html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${mail.subject}</title></head>
<body><p><a href="/dev/outbox">← outbox</a></p><h1>${mail.subject}</h1><p>To: ${[mail.to].flat().join(', ')}<br>From: ${mail.from}</p>
<pre style="white-space:pre-wrap">${mail.text}</pre>${mail.html ? html`<p><a href="/dev/outbox/${encodeURIComponent(mail.id)}/html">HTML version</a></p>` : ''}</body></html>`));
      });
      app.get('/dev/outbox/:id/html', async (req, res) => {
        const mail = await outbox.get(String(req.params.id));
        if (!mail?.html) throw problems.notFound('No HTML part for this mail.');
        // Shown as the recipient would see it, but sandboxed: no script, no same-origin access.
        res.setHeader('Content-Security-Policy', "sandbox; default-src 'none'; img-src data: https:; style-src 'unsafe-inline'");
        res.type('html').send(mail.html);
      });
    },
  };
}
