/**
 * The mail port: what the core needs to send email (booking confirmations with .ics,
 * reminders, password resets, merchant notes). Adapters: adapters/mail/smtp (SMTP_URL set)
 * and adapters/mail/outbox (development default, readable at /dev/outbox).
 * Pure types plus MailError, so adapters depend on nothing else of the core.
 */

export interface MailAttachment {
  filename: string;
  /** A string is sent as UTF-8. */
  content: string | Buffer;
  /** e.g. 'text/calendar; charset=utf-8; method=REQUEST' for an invitation. */
  contentType: string;
}

export interface MailMessage {
  to: string | string[];
  /** Defaults to the adapter's configured sender. */
  from?: string;
  replyTo?: string;
  subject: string;
  text: string;
  html?: string;
  attachments?: MailAttachment[];
  /** Extra headers (e.g. List-Unsubscribe, X-Entity-Ref-ID); never used for credentials. */
  headers?: Record<string, string>;
  /** Kept for logs and the dev outbox; not sent to the recipient. */
  tenantId?: string;
}

export interface SentMail {
  /** SMTP: the Message-ID header; outbox: the id that MailOutboxReader.get() accepts. */
  messageId: string;
  /** Recipients the server refused while it accepted others (partial delivery). */
  rejected?: string[];
}

export interface MailPort {
  /** Resolves once the mail is accepted (by the SMTP server or stored); rejects with MailError. */
  send(message: MailMessage): Promise<SentMail>;
  /** Checks connection and credentials without sending (start-up, /readyz). */
  verify?(): Promise<void>;
  /** Releases pooled connections on shutdown. */
  close?(): Promise<void>;
}

/** What the dev outbox keeps of an attachment when listing (content via `attachment()`). */
export interface StoredAttachmentInfo {
  filename: string;
  contentType: string;
  /** Bytes. */
  size: number;
}

export interface StoredMail {
  id: string;
  at: Date;
  to: string[];
  from: string;
  replyTo?: string;
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
  tenantId?: string;
  attachments: StoredAttachmentInfo[];
}

/** Reading side of the dev outbox; the core renders /dev/outbox from it. */
export interface MailOutboxReader {
  /** Newest first; default limit 50. */
  list(limit?: number): Promise<StoredMail[]>;
  /** undefined for an unknown or malformed id. */
  get(id: string): Promise<StoredMail | undefined>;
  /** One attachment with its content (e.g. to download the .ics), by position. */
  attachment(id: string, index: number): Promise<(StoredAttachmentInfo & { content: Buffer }) | undefined>;
}

export type MailErrorCode =
  /** The server answered 4xx: try again later. */
  | 'MAIL_TEMPORARY_FAILURE'
  /** The server answered 5xx: the same message will be refused again. */
  | 'MAIL_REJECTED'
  /** Could not reach or keep a connection to the server (refused, DNS, timeout, TLS). */
  | 'MAIL_CONNECTION_FAILED'
  /** Login refused or missing. */
  | 'MAIL_AUTH_FAILED'
  /** The message itself is unusable (no recipients, bad address, unreadable attachment). */
  | 'MAIL_INVALID_MESSAGE'
  /** Anything else (e.g. the outbox directory is not writable). */
  | 'MAIL_FAILED';

/**
 * The one error type adapters throw. Callers (reminder outbox, booking confirmation) decide
 * between back-off and dead-letter from `retryable` alone.
 */
export class MailError extends Error {
  override readonly name = 'MailError';
  readonly code: MailErrorCode;
  readonly retryable: boolean;
  /** SMTP reply code when the server answered (e.g. 451, 550). */
  readonly smtpCode?: number;

  constructor(message: string, options: { code: MailErrorCode; retryable: boolean; smtpCode?: number }) {
    super(message);
    this.code = options.code;
    this.retryable = options.retryable;
    if (options.smtpCode !== undefined) this.smtpCode = options.smtpCode;
  }
}

export function isMailError(err: unknown): err is MailError {
  return err instanceof MailError;
}
