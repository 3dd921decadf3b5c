import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOutboxMailer } from '../../../adapters/mail/outbox.ts';
import { MailError } from '../../../core/mail/mail.port.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const outboxModule = pathToFileURL(path.join(repoRoot, 'adapters/mail/outbox.ts')).href;
const run = promisify(execFile);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'concierge-outbox-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ICS = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:Suit fitting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';

describe('dev outbox mail adapter', () => {
  it('stores a sent mail that list() and get() return in full, with attachment metadata and content', async () => {
    const outbox = createOutboxMailer({ dir: path.join(dir, 'outbox'), from: 'Demo Store <shop@demo.test>' });
    const pdf = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff]);

    const sent = await outbox.send({
      to: 'anna@example.com',
      replyTo: 'help@demo.test',
      subject: 'Booking confirmed',
      text: 'See you soon.',
      html: '<p>See you soon.</p>',
      headers: { 'X-Concierge-Booking': 'b-1' },
      tenantId: 'tenant-1',
      attachments: [
        { filename: 'invite.ics', content: ICS, contentType: 'text/calendar; method=REQUEST' },
        { filename: 'receipt.pdf', content: pdf, contentType: 'application/pdf' },
      ],
    });

    const [listed, ...rest] = await outbox.list();
    expect(rest).toHaveLength(0);
    expect(listed).toBeDefined();
    expect(listed!.id).toBe(sent.messageId);
    expect(listed).toMatchObject({
      to: ['anna@example.com'],
      from: 'Demo Store <shop@demo.test>',
      replyTo: 'help@demo.test',
      subject: 'Booking confirmed',
      text: 'See you soon.',
      html: '<p>See you soon.</p>',
      headers: { 'X-Concierge-Booking': 'b-1' },
      tenantId: 'tenant-1',
      attachments: [
        { filename: 'invite.ics', contentType: 'text/calendar; method=REQUEST', size: Buffer.byteLength(ICS) },
        { filename: 'receipt.pdf', contentType: 'application/pdf', size: 6 },
      ],
    });
    expect(listed!.at).toBeInstanceOf(Date);
    expect(Math.abs(listed!.at.getTime() - Date.now())).toBeLessThan(10_000);

    expect(await outbox.get(sent.messageId)).toEqual(listed);
    expect((await outbox.attachment(sent.messageId, 0))?.content.toString('utf8')).toBe(ICS);
    expect((await outbox.attachment(sent.messageId, 1))?.content.equals(pdf)).toBe(true);
    expect(await outbox.attachment(sent.messageId, 2)).toBeUndefined();
  });

  it('lists newest first and honours the limit', async () => {
    const outbox = createOutboxMailer({ dir, from: 'shop@demo.test' });
    for (let i = 1; i <= 5; i++) await outbox.send({ to: 'a@example.com', subject: `mail ${i}`, text: String(i) });

    expect((await outbox.list()).map((m) => m.subject)).toEqual(['mail 5', 'mail 4', 'mail 3', 'mail 2', 'mail 1']);
    expect((await outbox.list(2)).map((m) => m.subject)).toEqual(['mail 5', 'mail 4']);
    const dates = (await outbox.list()).map((m) => m.at.getTime());
    expect([...dates].sort((a, b) => b - a)).toEqual(dates);
  });

  it('two adapters on the same directory see each other\'s mail, and a restart keeps it', async () => {
    const a = createOutboxMailer({ dir, from: 'a@demo.test' });
    const b = createOutboxMailer({ dir, from: 'b@demo.test' });
    const fromA = await a.send({ to: 'x@example.com', subject: 'from A', text: 'a' });
    const fromB = await b.send({ to: 'y@example.com', subject: 'from B', text: 'b' });

    expect((await a.get(fromB.messageId))?.from).toBe('b@demo.test');
    expect((await b.get(fromA.messageId))?.from).toBe('a@demo.test');
    expect((await a.list()).map((m) => m.subject).sort()).toEqual(['from A', 'from B']);

    const restarted = createOutboxMailer({ dir, from: 'c@demo.test' });
    expect((await restarted.list()).map((m) => m.id).sort()).toEqual([fromA.messageId, fromB.messageId].sort());
  });

  it('several processes writing at once lose nothing and never collide', async () => {
    const worker = path.join(dir, 'worker.mts');
    await writeFile(
      worker,
      `import { createOutboxMailer } from ${JSON.stringify(outboxModule)};
const [dir, tag] = process.argv.slice(2);
const outbox = createOutboxMailer({ dir, from: tag + '@demo.test' });
await Promise.all(Array.from({ length: 25 }, (_, i) => outbox.send({ to: 'p@example.com', subject: tag + '-' + i, text: 'x' })));
`,
    );
    const target = path.join(dir, 'shared');
    await Promise.all(
      ['p1', 'p2', 'p3'].map((tag) => run(process.execPath, ['--import', 'tsx', worker, target, tag], { cwd: repoRoot })),
    );

    const outbox = createOutboxMailer({ dir: target, from: 'reader@demo.test' });
    const all = await outbox.list(1000);
    expect(all).toHaveLength(75);
    expect(new Set(all.map((m) => m.id)).size).toBe(75);
    expect(new Set(all.map((m) => m.subject)).size).toBe(75);
    // Only finished mails remain: no temp files left behind.
    expect((await readdir(target)).filter((n) => !n.endsWith('.json'))).toEqual([]);
  }, 30_000);

  it('keeps hostile subjects and recipients out of file names', async () => {
    const outbox = createOutboxMailer({ dir, from: 'shop@demo.test' });
    const subject = '../../etc/passwd\0 <script>alert(1)</script> \\ C:\\CON "*?|: \n newline';
    const to = '"../../evil"@example.com';
    const sent = await outbox.send({ to, subject, text: 'x' });

    const names = await readdir(dir);
    expect(names).toEqual([`${sent.messageId}.json`]);
    expect(names[0]).toMatch(/^[0-9A-Za-z-]+\.json$/);
    const stored = await outbox.get(sent.messageId);
    expect(stored?.subject).toBe(subject);
    expect(stored?.to).toEqual([to]);
  });

  it('treats unknown, malformed and path-traversing ids as absent', async () => {
    const outbox = createOutboxMailer({ dir: path.join(dir, 'outbox'), from: 'shop@demo.test' });
    await outbox.send({ to: 'a@example.com', subject: 'x', text: 'x' });
    await writeFile(path.join(dir, 'secret.json'), JSON.stringify({ version: 1, id: '../secret', to: [], attachments: [] }));
    expect(await outbox.get('../secret')).toBeUndefined();
    expect(await outbox.get('20260101T000000000Z-000000000000')).toBeUndefined();
    expect(await outbox.get('')).toBeUndefined();
    expect(await outbox.attachment('../secret', 0)).toBeUndefined();
  });

  it('ignores half-written temp files and foreign files when listing', async () => {
    const outbox = createOutboxMailer({ dir, from: 'shop@demo.test' });
    const sent = await outbox.send({ to: 'a@example.com', subject: 'real', text: 'x' });
    await writeFile(path.join(dir, '.20991231T235959999Z-abcdefabcdef.123.tmp'), '{"version":1,"id":');
    await writeFile(path.join(dir, 'notes.json'), '{}');
    await writeFile(path.join(dir, '20991231T235959999Z-abcdefabcdef.json'), 'not json');

    expect((await outbox.list()).map((m) => m.id)).toEqual([sent.messageId]);
    const raw = JSON.parse(await readFile(path.join(dir, `${sent.messageId}.json`), 'utf8')) as { subject: string };
    expect(raw.subject).toBe('real');
  });

  it('lists nothing before the first mail, and refuses a mail without recipients', async () => {
    const outbox = createOutboxMailer({ dir: path.join(dir, 'not-yet'), from: 'shop@demo.test' });
    expect(await outbox.list()).toEqual([]);
    const err = await outbox.send({ to: [], subject: 'x', text: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MailError);
    expect(err).toMatchObject({ code: 'MAIL_INVALID_MESSAGE', retryable: false });
  });

  it('tells the logger where the mail went', async () => {
    const lines: { obj: object; msg?: string }[] = [];
    const outbox = createOutboxMailer({ dir, from: 'shop@demo.test', logger: { info: (obj, msg) => lines.push({ obj, msg }) } });
    const sent = await outbox.send({ to: 'a@example.com', subject: 'logged', text: 'x' });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.obj).toMatchObject({ mailId: sent.messageId, file: path.join(dir, `${sent.messageId}.json`) });
  });
});
