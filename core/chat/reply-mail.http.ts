import type { Express, Request, Response } from 'express';
import type { HttpModule } from '../http/app.ts';
import { html, type SafeHtml } from '../http/html.ts';
import type { BotDirectory, ConversationLinkClaims, ConversationLinks } from '../widget-access/index.ts';
import type { ChatRepository } from './chat.repository.ts';
import { chatStrings } from './i18n/strings.ts';
import type { ReplyMailRepository } from './reply-mail.repository.ts';

/**
 * The reply mail's "stop emails for this conversation" link (`/chat/mail-stop/<token>`):
 * GET shows a page with one button (a mail scanner that follows links must not unsubscribe
 * anyone), POST stops — the button, and the mail client's one-click unsubscribe (RFC 8058:
 * `List-Unsubscribe-Post: List-Unsubscribe=One-Click`). The token is a capability for one
 * conversation: never cached, indexed or sent as Referer.
 */

export interface ReplyMailPagesDeps {
  links: ConversationLinks;
  bots: BotDirectory;
  conversations: ChatRepository;
  replyMails: ReplyMailRepository;
  clock: () => Date;
}

export function replyMailPagesHttpModule(deps: ReplyMailPagesDeps): HttpModule {
  const page = (res: Response, status: number, locale: string, title: string, body: SafeHtml) =>
    res
      .status(status)
      .set({ 'Cache-Control': 'no-store', 'X-Robots-Tag': 'noindex, nofollow', 'Referrer-Policy': 'no-referrer' })
      .type('html')
      .send(
        html`<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${title}</title></head><body><main>${body}</main></body></html>`.toString(),
      );

  /** The conversation the token names, with its language and store name; undefined for a bad or foreign token. */
  async function load(req: Request): Promise<{ claims: ConversationLinkClaims; locale: string; storeName: string } | undefined> {
    const token = typeof req.params.token === 'string' ? req.params.token : '';
    const check = token.length <= 2048 ? deps.links.check('stop', token) : undefined;
    if (!check?.ok) return undefined;
    const { claims } = check;
    const conversation = await deps.conversations.getConversation(claims.tenantId, claims.conversationId);
    if (!conversation || conversation.bot_id !== claims.botId || conversation.visitor_id !== claims.visitorId) return undefined;
    const entry = await deps.bots.find(claims.tenantId, claims.botId);
    return { claims, locale: conversation.locale, storeName: entry?.tenant.name ?? 'Concierge' };
  }

  const invalid = (req: Request, res: Response) => {
    const locale = typeof req.headers['accept-language'] === 'string' && /^de\b/i.test(req.headers['accept-language']) ? 'de' : 'en';
    const t = chatStrings(locale).stopPage;
    page(res, 404, locale, t.title, html`<h1>${t.title}</h1><p>${t.invalid}</p>`);
  };

  return {
    name: 'chat-reply-mail',
    mount(app: Express) {
      app.get('/chat/mail-stop/:token', async (req, res, next) => {
        try {
          const found = await load(req);
          if (!found) return invalid(req, res);
          const t = chatStrings(found.locale).stopPage;
          page(
            res,
            200,
            found.locale,
            t.title,
            html`<h1>${t.title}</h1><form method="post"><p>${t.question({ storeName: found.storeName })}</p><button type="submit">${t.button}</button></form>`,
          );
        } catch (error) {
          next(error);
        }
      });
      app.post('/chat/mail-stop/:token', async (req, res, next) => {
        try {
          const found = await load(req);
          if (!found) return invalid(req, res);
          await deps.replyMails.stop(found.claims.tenantId, found.claims.conversationId, deps.clock());
          const t = chatStrings(found.locale).stopPage;
          page(res, 200, found.locale, t.title, html`<h1>${t.title}</h1><p role="status">${t.done({ storeName: found.storeName })}</p>`);
        } catch (error) {
          next(error);
        }
      });
    },
  };
}
