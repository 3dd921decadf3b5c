import { escapeHtml } from '../http/html.ts';
import type { MailMessage } from '../mail/mail.port.ts';
import type { OutboxRenderOutcome, OutboxRenderer } from '../mail/outbox-worker.ts';
import type { BotDirectory, ConversationLinks } from '../widget-access/index.ts';
import { chatStrings } from './i18n/strings.ts';
import type { ReplyMailRepository, ReplyMailRow } from './reply-mail.repository.ts';

/**
 * A merchant's reply reaches a shopper who left (issue #18), like Intercom's and Chatwoot's
 * "conversation continued" mails: agent replies join the conversation's pending mail; after the
 * grace period the worker renders it here, from the conversation as it is now. Nothing goes out
 * when the shopper is connected (a widget stream is open: they get the replies live), when every
 * reply was seen (a stream or a history read after it), without an address, or after "stop".
 * The mail is in the conversation's language, the replies as plain text (escaped in the HTML),
 * with a link that reopens this conversation in the widget on the store's page and a one-click
 * unsubscribe for this conversation (RFC 8058).
 */

export const RESUME_FRAGMENT = 'concierge-resume';

export interface ReplyMailContent {
  locale: string;
  storeName: string;
  agentName: string | null;
  replies: string[];
  resumeUrl: string;
  stopUrl: string;
}

const oneLine = (v: string) => v.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
const paragraph = (v: string) => `<p style="margin:0 0 16px">${escapeHtml(v).replace(/\r?\n/g, '<br>')}</p>`;

/** The mail itself: text and HTML from the same strings, every value escaped in the HTML. */
export function replyMailContent(input: ReplyMailContent): { subject: string; text: string; html: string } {
  const t = chatStrings(input.locale).replyMail;
  const storeName = oneLine(input.storeName).slice(0, 120);
  const agentName = input.agentName ? oneLine(input.agentName).slice(0, 80) : null;
  const subject = oneLine(t.subject({ storeName })).slice(0, 200);
  const intro = t.intro({ storeName, agentName, count: input.replies.length });
  const replies = input.replies.map((r) => r.trim()).filter(Boolean);
  const text = [
    intro,
    '',
    ...replies.flatMap((r) => [...r.split(/\r?\n/).map((line) => `> ${line}`), '']),
    `${t.action}:`,
    input.resumeUrl,
    t.linkNote,
    '',
    '--',
    t.footer({ storeName }),
    `${t.stopIntro} ${t.stopAction}: ${input.stopUrl}`,
  ].join('\n');
  const lang = escapeHtml(input.locale);
  const html =
    `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>` +
    '<body style="margin:0;padding:24px;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#111827">' +
    paragraph(intro) +
    replies.map((r) => `<blockquote style="margin:0 0 16px;padding:8px 16px;border-left:4px solid #d1d5db">${paragraph(r)}</blockquote>`).join('') +
    `<p style="margin:0 0 8px"><a href="${escapeHtml(input.resumeUrl)}" style="display:inline-block;padding:10px 16px;background:#1f2937;color:#ffffff;text-decoration:none;border-radius:6px">${escapeHtml(t.action)}</a></p>` +
    `<p style="margin:0 0 16px;font-size:13px;color:#4b5563">${escapeHtml(t.linkNote)}</p>` +
    `<p style="margin:24px 0 0;font-size:12px;color:#6b7280">${escapeHtml(t.footer({ storeName }))} ${escapeHtml(t.stopIntro)} ` +
    `<a href="${escapeHtml(input.stopUrl)}" style="color:#6b7280">${escapeHtml(t.stopAction)}</a></p></body></html>`;
  return { subject, text, html };
}

export interface ReplyMailRendererDeps {
  repository: ReplyMailRepository;
  bots: BotDirectory;
  links: ConversationLinks;
  publicUrl: string;
}

export class ReplyMailRenderer implements OutboxRenderer<ReplyMailRow> {
  private readonly host: string;

  constructor(private readonly deps: ReplyMailRendererDeps) {
    let host = 'concierge.local';
    try {
      host = new URL(deps.publicUrl).hostname || host;
    } catch {
      // keep the fallback
    }
    this.host = host;
  }

  /** `${publicUrl}/chat/mail-stop/<token>`: the page (GET, a form) and the one-click unsubscribe (POST). */
  stopUrl(token: string): string {
    return `${this.deps.publicUrl.replace(/\/+$/, '')}/chat/mail-stop/${token}`;
  }

  async render(row: ReplyMailRow, now: Date): Promise<OutboxRenderOutcome> {
    const { conversation: c, messages } = await this.deps.repository.load(row);
    if (!c) return { skip: 'the conversation no longer exists' };
    if (c.reply_mail_stopped_at) return { skip: 'the shopper stopped reply mails for this conversation' };
    const to = c.verified_email ?? c.contact_email;
    if (!to) return { skip: 'the shopper left no email address' };
    if (c.visitor_online_until && c.visitor_online_until.getTime() > now.getTime()) return { skip: 'the shopper is connected and got the replies live' };
    const seen = c.visitor_seen_at?.getTime() ?? -Infinity;
    const unseen = messages.filter((m) => m.created_at.getTime() > seen && m.text.trim());
    if (unseen.length === 0) return { skip: 'the shopper saw every reply' };
    const entry = await this.deps.bots.find(c.tenant_id, c.bot_id);
    if (!entry) return { skip: 'the assistant no longer exists' };
    const origins = entry.bot.allowed_origins;
    // The page the shopper chatted on, while the bot still allows it; else the store's first site.
    const origin = c.store_origin && origins.includes(c.store_origin) ? c.store_origin : origins[0];
    if (!origin) return { skip: 'the assistant has no store site to link back to' };
    const claims = { tenantId: c.tenant_id, botId: c.bot_id, conversationId: c.id, visitorId: c.visitor_id };
    const resumeUrl = `${origin}/#${RESUME_FRAGMENT}=${this.deps.links.sign('resume', claims).token}`;
    const stopUrl = this.stopUrl(this.deps.links.sign('stop', claims).token);
    const content = replyMailContent({ locale: c.locale, storeName: entry.tenant.name, agentName: c.agent_name, replies: unseen.map((m) => m.text), resumeUrl, stopUrl });
    const send: MailMessage = {
      to,
      ...content,
      tenantId: c.tenant_id,
      headers: {
        // Stable per outbox row: a retry after an unknown outcome carries the same Message-ID.
        'Message-ID': `<chat-reply-mail.${row.id}@${this.host}>`,
        'Auto-Submitted': 'auto-generated',
        'List-Unsubscribe': `<${stopUrl}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    };
    return { send };
  }
}
