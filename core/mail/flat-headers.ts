import type { MailMessage, MailPort } from './mail.port.ts';

/**
 * Subjects (and extra header values) are one line (issue 14): a store name with a line break must
 * not split an invitation's subject or smuggle a header. Every C0/C1 control, line and paragraph
 * separator becomes one space.
 */
export function flattenHeaderText(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
}

/**
 * The port every module sends through: the one place subjects are flattened, whatever builds them.
 * Everything else (verify, close, the dev outbox's readers) passes through to the adapter.
 */
export function withFlatHeaders<T extends MailPort>(port: T): T {
  const send = (message: MailMessage) =>
    port.send({
      ...message,
      subject: flattenHeaderText(message.subject),
      ...(message.headers ? { headers: Object.fromEntries(Object.entries(message.headers).map(([k, v]) => [k, flattenHeaderText(v)])) } : {}),
    });
  return new Proxy(port, {
    get(target, property) {
      if (property === 'send') return send;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
