/**
 * SMTP mail adapter (used when SMTP_URL is set): a pooled nodemailer transport behind MailPort.
 * Every failure leaves as a MailError whose `retryable` tells the reminder outbox whether to
 * back off or dead-letter. Credentials from the URL are scrubbed from every message we produce.
 */
import { createTransport } from 'nodemailer';
import type { MailMessage, MailPort, SentMail, MailErrorCode } from '../../core/mail/mail.port.ts';
import { MailError } from '../../core/mail/mail.port.ts';

export interface SmtpMailerOptions {
  /** smtp://user:pass@host:587 (STARTTLS when offered) or smtps://user:pass@host:465 (implicit TLS). */
  url: string;
  /** Default sender, e.g. 'Concierge <bookings@example.com>'. */
  from: string;
  /** Applies to connecting, the greeting and socket inactivity. Default 15 s. */
  timeoutMs?: number;
  /** Pool size. Default 5. */
  maxConnections?: number;
}

/** The subset of nodemailer's error we read. */
interface SmtpFailure {
  message?: string;
  code?: string;
  responseCode?: number;
  permanent?: boolean;
}

// Failures of the connection rather than of the message: another attempt may well succeed.
const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROXY', 'EMAXLIMIT']);
const AUTH_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2']);
const MESSAGE_CODES = new Set(['EENVELOPE', 'EMESSAGE', 'EMAXRECIPIENTS', 'EFILEACCESS', 'EURLACCESS', 'ESTREAM', 'EOTP']);

export function createSmtpMailer(options: SmtpMailerOptions): MailPort {
  const { endpoint, secrets } = inspectUrl(options.url);
  const timeoutMs = options.timeoutMs ?? 15_000;
  const scrub = makeScrubber(secrets);

  const transport = createTransport({
    url: options.url,
    pool: true,
    maxConnections: options.maxConnections ?? 5,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    // Attachments are always in-memory content; refuse file paths and URLs outright.
    disableFileAccess: true,
    disableUrlAccess: true,
    // nodemailer's own logger could print the AUTH exchange; we report through MailError only.
    logger: false,
    debug: false,
  });
  let closed = false;

  const fail = (err: unknown, action: string): MailError => toMailError(err, `SMTP ${action} via ${endpoint}`, scrub);

  return {
    async send(message: MailMessage): Promise<SentMail> {
      if (closed) throw new MailError('SMTP mailer is closed', { code: 'MAIL_FAILED', retryable: false });
      try {
        const info = await transport.sendMail({
          from: message.from ?? options.from,
          to: message.to,
          replyTo: message.replyTo,
          subject: message.subject,
          text: message.text,
          html: message.html,
          headers: message.headers,
          attachments: message.attachments?.map((a) => ({
            filename: a.filename,
            content: a.content,
            contentType: a.contentType,
          })),
        });
        const rejected = (info.rejected ?? []).map(String);
        return rejected.length > 0 ? { messageId: info.messageId, rejected } : { messageId: info.messageId };
      } catch (err) {
        throw fail(err, 'send');
      }
    },

    async verify(): Promise<void> {
      try {
        await transport.verify();
      } catch (err) {
        throw fail(err, 'verify');
      }
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      // Idle pooled connections close at once; one mid-delivery finishes its message first.
      transport.close();
    },
  };
}

function inspectUrl(url: string): { endpoint: string; secrets: string[] } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Never echo the URL: it carries the password.
    throw new TypeError('SMTP url is not a valid URL (expected smtp://user:pass@host:port or smtps://...)');
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    throw new TypeError(`SMTP url must use smtp:// or smtps://, not ${parsed.protocol}//`);
  }
  const user = safeDecode(parsed.username);
  const pass = safeDecode(parsed.password);
  const secrets: string[] = [];
  const add = (value: string, minLength: number) => {
    if (value.length >= minLength) secrets.push(value);
  };
  // A short user name would blank ordinary words; a password is scrubbed at any length >= 3.
  for (const [value, min] of [[user, 3], [pass, 3]] as const) {
    add(value, min);
    add(encodeURIComponent(value), min);
    add(Buffer.from(value).toString('base64'), 4); // AUTH LOGIN sends each part in base64
  }
  if (user || pass) add(Buffer.from(`\u0000${user}\u0000${pass}`).toString('base64'), 4); // AUTH PLAIN
  const port = parsed.port || (parsed.protocol === 'smtps:' ? '465' : '587');
  return { endpoint: `${parsed.hostname}:${port}`, secrets: secrets.sort((a, b) => b.length - a.length) };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function makeScrubber(secrets: string[]): (text: string) => string {
  return (text) => secrets.reduce((acc, secret) => acc.split(secret).join('***'), text);
}

function toMailError(err: unknown, context: string, scrub: (text: string) => string): MailError {
  const e: SmtpFailure = typeof err === 'object' && err !== null ? (err as SmtpFailure) : { message: String(err) };
  const detail = scrub(e.message ?? 'unknown error');
  const message = `${context} failed: ${detail}`;
  const smtpCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;

  if (smtpCode !== undefined && smtpCode >= 400) {
    // nodemailer marks 5xx except 503 (a session-state error) as permanent, per RFC 5321.
    const permanent = typeof e.permanent === 'boolean' ? e.permanent : smtpCode >= 500;
    let code: MailErrorCode = permanent ? 'MAIL_REJECTED' : 'MAIL_TEMPORARY_FAILURE';
    if (e.code && AUTH_CODES.has(e.code)) code = 'MAIL_AUTH_FAILED';
    return new MailError(message, { code, retryable: !permanent, smtpCode });
  }
  if (e.code && CONNECTION_CODES.has(e.code)) {
    return new MailError(message, { code: 'MAIL_CONNECTION_FAILED', retryable: true, ...(smtpCode ? { smtpCode } : {}) });
  }
  if (e.code && AUTH_CODES.has(e.code)) {
    return new MailError(message, { code: 'MAIL_AUTH_FAILED', retryable: false });
  }
  if (e.code && MESSAGE_CODES.has(e.code)) {
    return new MailError(message, { code: 'MAIL_INVALID_MESSAGE', retryable: false });
  }
  // Raw socket errors that escaped nodemailer's wrapping (ECONNREFUSED, ECONNRESET, ...).
  if (e.code && /^E(CONN|HOST|NET|PIPE|AI_|TIMEDOUT)/.test(e.code)) {
    return new MailError(message, { code: 'MAIL_CONNECTION_FAILED', retryable: true });
  }
  return new MailError(message, { code: 'MAIL_FAILED', retryable: false });
}
