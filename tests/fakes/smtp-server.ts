/**
 * A real SMTP server in the test process (smtp-server on 127.0.0.1, random port, no TLS),
 * with every accepted message parsed by mailparser. Tests assert on what arrived here,
 * not on what the sender says it sent. It can refuse the next N messages with a chosen
 * reply code (451 temporary, 550 permanent, ...) so retry logic can be exercised.
 */
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export type { ParsedMail } from 'mailparser';

export interface TestSmtpOptions {
  /** When set, logins must match; without it any login (or none) is accepted. */
  auth?: { user: string; pass: string };
  /** Refuse the first `count` messages with `code` (see rejectNext). */
  reject?: RejectRule;
}

export interface RejectRule {
  count: number;
  /** SMTP reply code, e.g. 451 (try later) or 550 (refused). */
  code: number;
  message?: string;
  /** Where to refuse: after the message body (default), or at MAIL FROM / RCPT TO. */
  phase?: 'data' | 'mail' | 'rcpt';
}

export interface Delivery {
  envelope: { from: string | null; to: string[] };
  /** Login name used for the session, if any. */
  user?: string;
  raw: Buffer;
  mail: ParsedMail;
}

export interface TestSmtp {
  /** smtp://127.0.0.1:<port> without credentials; add them as a test needs. */
  url: string;
  host: string;
  port: number;
  /** Accepted messages, in arrival order. */
  mails: ParsedMail[];
  /** Accepted messages with their envelope and raw source. */
  deliveries: Delivery[];
  /** How many messages (or envelopes) were refused by a reject rule so far. */
  readonly rejectedCount: number;
  /** Refuse the next `count` messages with `code`; replaces any rule still pending. */
  rejectNext(count: number, code: number, message?: string, phase?: RejectRule['phase']): void;
  /** First mail (already arrived or arriving) matching `predicate`; rejects after timeoutMs (default 5000). */
  waitFor(predicate?: (mail: ParsedMail) => boolean, timeoutMs?: number): Promise<ParsedMail>;
  close(): Promise<void>;
}

export async function startTestSmtp(options: TestSmtpOptions = {}): Promise<TestSmtp> {
  const mails: ParsedMail[] = [];
  const deliveries: Delivery[] = [];
  const waiters = new Set<() => void>();
  let pendingRule: (RejectRule & { remaining: number }) | undefined;
  let rejectedCount = 0;

  const setRule = (rule: RejectRule | undefined) => {
    pendingRule = rule && rule.count > 0 ? { ...rule, remaining: rule.count } : undefined;
  };
  setRule(options.reject);

  // Consumes one rejection if the current rule applies to this phase.
  const takeRejection = (phase: NonNullable<RejectRule['phase']>): Error | undefined => {
    const rule = pendingRule;
    if (!rule || (rule.phase ?? 'data') !== phase || rule.remaining <= 0) return undefined;
    rule.remaining -= 1;
    if (rule.remaining === 0) pendingRule = undefined;
    rejectedCount += 1;
    return smtpError(rule.code, rule.message ?? defaultText(rule.code));
  };

  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true, // loopback test server: AUTH without TLS is fine
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 200,
    onAuth(auth, _session, callback) {
      if (options.auth && (auth.username !== options.auth.user || auth.password !== options.auth.pass)) {
        // Some servers echo the login name; senders must not pass that on.
        callback(smtpError(535, `Authentication credentials invalid for ${auth.username ?? ''}`));
        return;
      }
      callback(null, { user: auth.username ?? 'anonymous' });
    },
    onMailFrom(_address, _session, callback) {
      callback(takeRejection('mail') ?? null);
    },
    onRcptTo(_address, _session, callback) {
      callback(takeRejection('rcpt') ?? null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (err: Error) => callback(err));
      stream.on('end', () => {
        const refusal = takeRejection('data');
        if (refusal) {
          callback(refusal);
          return;
        }
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (mail) => {
            const envelope = {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
              to: session.envelope.rcptTo.map((r) => r.address),
            };
            const user = typeof session.user === 'string' ? session.user : undefined;
            deliveries.push({ envelope, raw, mail, ...(user ? { user } : {}) });
            mails.push(mail);
            callback();
            for (const wake of [...waiters]) wake();
          },
          (err: unknown) => callback(smtpError(554, `Unparseable message: ${String(err)}`)),
        );
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  if (!address || typeof address === 'string') throw new Error('test SMTP server has no TCP address');
  const host = '127.0.0.1';
  const port = address.port;

  return {
    url: `smtp://${host}:${port}`,
    host,
    port,
    mails,
    deliveries,
    get rejectedCount() {
      return rejectedCount;
    },
    rejectNext(count, code, message, phase) {
      setRule({ count, code, ...(message ? { message } : {}), ...(phase ? { phase } : {}) });
    },
    waitFor(predicate = () => true, timeoutMs = 5000) {
      return new Promise<ParsedMail>((resolve, reject) => {
        const check = (): boolean => {
          const found = mails.find(predicate);
          if (!found) return false;
          cleanup();
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          const seen = mails.map((m) => JSON.stringify(m.subject ?? '')).join(', ') || 'none';
          reject(new Error(`no matching mail within ${timeoutMs} ms (received: ${seen})`));
        }, timeoutMs);
        const wake = () => void check();
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(wake);
        };
        waiters.add(wake);
        check();
      });
    },
    close() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function smtpError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

function defaultText(code: number): string {
  if (code >= 400 && code < 500) return 'Temporary local problem, try again later';
  return 'Message refused';
}
