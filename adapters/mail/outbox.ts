/**
 * Development mail adapter (the default when SMTP_URL is unset): each mail becomes one JSON
 * file under `dir`, readable through MailOutboxReader (the core renders /dev/outbox from it).
 * Files are written to a temp name and renamed, so readers in any process see whole mails
 * only; ids are time-ordered with a random tail, so several processes can share one dir.
 * Filenames come from the id alone, never from a subject or an address.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type {
  MailMessage,
  MailOutboxReader,
  MailPort,
  SentMail,
  StoredAttachmentInfo,
  StoredMail,
} from '../../core/mail/mail.port.ts';
import { MailError } from '../../core/mail/mail.port.ts';

export interface OutboxMailerOptions {
  /** e.g. '.data/outbox'; created on first send. */
  dir: string;
  /** Default sender. */
  from: string;
  /** pino-compatible; told where each mail went, so a developer can find it. */
  logger?: { info(obj: object, msg?: string): void };
}

/** File format, version 1. Attachment content is base64. */
interface OutboxFile {
  version: 1;
  id: string;
  at: string;
  to: string[];
  from: string;
  replyTo?: string;
  subject: string;
  text: string;
  html?: string;
  headers?: Record<string, string>;
  tenantId?: string;
  attachments: (StoredAttachmentInfo & { contentBase64: string })[];
}

// yyyymmddThhmmssSSSZ-<12 hex>: sorts by time as a string, and is safe on every filesystem.
const ID_PATTERN = /^\d{8}T\d{9}Z-[0-9a-f]{12}$/;
const FILE_SUFFIX = '.json';
const DEFAULT_LIMIT = 50;

export function createOutboxMailer(options: OutboxMailerOptions): MailPort & MailOutboxReader {
  const dir = path.resolve(options.dir);
  let lastMs = 0;
  let dirReady: Promise<void> | undefined;

  // Strictly increasing within this process, so two sends in one millisecond keep their order.
  const nextId = (): { id: string; at: Date } => {
    const ms = Math.max(Date.now(), lastMs + 1);
    lastMs = ms;
    const at = new Date(ms);
    const stamp = at.toISOString().replace(/[-:.]/g, '');
    return { id: `${stamp}-${randomBytes(6).toString('hex')}`, at };
  };

  const fileOf = (id: string) => path.join(dir, id + FILE_SUFFIX);

  const readStored = async (id: string): Promise<OutboxFile | undefined> => {
    if (!ID_PATTERN.test(id)) return undefined;
    try {
      const parsed = JSON.parse(await readFile(fileOf(id), 'utf8')) as OutboxFile;
      return parsed.version === 1 && parsed.id === id ? parsed : undefined;
    } catch {
      // Deleted meanwhile or hand-edited into garbage: treat as absent rather than break the list.
      return undefined;
    }
  };

  return {
    async send(message: MailMessage): Promise<SentMail> {
      const to = (Array.isArray(message.to) ? message.to : [message.to]).map((a) => a.trim()).filter(Boolean);
      if (to.length === 0) {
        throw new MailError('Mail has no recipient', { code: 'MAIL_INVALID_MESSAGE', retryable: false });
      }
      const { id, at } = nextId();
      const record: OutboxFile = {
        version: 1,
        id,
        at: at.toISOString(),
        to,
        from: message.from ?? options.from,
        subject: message.subject,
        text: message.text,
        attachments: (message.attachments ?? []).map((a) => {
          const bytes = typeof a.content === 'string' ? Buffer.from(a.content, 'utf8') : a.content;
          return { filename: a.filename, contentType: a.contentType, size: bytes.length, contentBase64: bytes.toString('base64') };
        }),
      };
      if (message.replyTo !== undefined) record.replyTo = message.replyTo;
      if (message.html !== undefined) record.html = message.html;
      if (message.headers !== undefined) record.headers = { ...message.headers };
      if (message.tenantId !== undefined) record.tenantId = message.tenantId;

      // Dot-prefixed, so list() never mistakes a half-written file for a mail.
      const tmp = path.join(dir, `.${id}.${process.pid}.tmp`);
      try {
        dirReady ??= mkdir(dir, { recursive: true }).then(() => undefined);
        await dirReady;
        await writeFile(tmp, JSON.stringify(record, null, 2), { flag: 'wx' });
        await rename(tmp, fileOf(id));
      } catch (err) {
        dirReady = undefined; // the directory may have been removed; try creating it again next time
        await rm(tmp, { force: true }).catch(() => undefined);
        throw new MailError(`Could not write mail to outbox ${dir}: ${(err as Error).message}`, {
          code: 'MAIL_FAILED',
          retryable: true,
        });
      }
      options.logger?.info({ mailId: id, subject: message.subject, file: fileOf(id) }, 'mail stored in dev outbox');
      return { messageId: id };
    },

    async verify(): Promise<void> {
      try {
        await mkdir(dir, { recursive: true });
      } catch (err) {
        throw new MailError(`Outbox directory ${dir} is not usable: ${(err as Error).message}`, {
          code: 'MAIL_FAILED',
          retryable: false,
        });
      }
    },

    async close(): Promise<void> {},

    async list(limit = DEFAULT_LIMIT): Promise<StoredMail[]> {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
      const ids = names
        .filter((n) => n.endsWith(FILE_SUFFIX))
        .map((n) => n.slice(0, -FILE_SUFFIX.length))
        .filter((id) => ID_PATTERN.test(id))
        .sort()
        .reverse();
      const out: StoredMail[] = [];
      // Read in order and skip files that vanished, until the limit is met.
      for (const id of ids) {
        if (out.length >= Math.max(0, limit)) break;
        const file = await readStored(id);
        if (file) out.push(toStored(file));
      }
      return out;
    },

    async get(id: string): Promise<StoredMail | undefined> {
      const file = await readStored(id);
      return file ? toStored(file) : undefined;
    },

    async attachment(id: string, index: number) {
      const file = await readStored(id);
      const a = file?.attachments[index];
      if (!a) return undefined;
      return { filename: a.filename, contentType: a.contentType, size: a.size, content: Buffer.from(a.contentBase64, 'base64') };
    },
  };
}

function toStored(file: OutboxFile): StoredMail {
  const mail: StoredMail = {
    id: file.id,
    at: new Date(file.at),
    to: file.to,
    from: file.from,
    subject: file.subject,
    text: file.text,
    attachments: file.attachments.map(({ filename, contentType, size }) => ({ filename, contentType, size })),
  };
  if (file.replyTo !== undefined) mail.replyTo = file.replyTo;
  if (file.html !== undefined) mail.html = file.html;
  if (file.headers !== undefined) mail.headers = file.headers;
  if (file.tenantId !== undefined) mail.tenantId = file.tenantId;
  return mail;
}
