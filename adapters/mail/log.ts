/**
 * `MAIL_TRANSPORT=log`: an explicit "no mail server" choice (e.g. a staging instance). Every mail
 * is dropped and a warning says so, naming the recipients' count and subject only: bodies carry
 * sign-in and manage links, which never reach the log.
 */
import { randomUUID } from 'node:crypto';
import type { MailMessage, MailPort, SentMail } from '../../core/mail/mail.port.ts';

export interface LogMailerOptions {
  /** pino-compatible. */
  logger: { warn(obj: object, msg?: string): void };
}

export function createLogMailer(options: LogMailerOptions): MailPort {
  return {
    async send(message: MailMessage): Promise<SentMail> {
      const to = Array.isArray(message.to) ? message.to : [message.to];
      const messageId = `<dropped-${randomUUID()}@concierge.invalid>`;
      options.logger.warn(
        { mail: { recipients: to.length, subject: message.subject, tenantId: message.tenantId, messageId } },
        'mail dropped: MAIL_TRANSPORT=log (set SMTP_URL to send mail)',
      );
      return { messageId };
    },
  };
}
