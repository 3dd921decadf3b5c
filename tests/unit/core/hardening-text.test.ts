import { describe, expect, it } from 'vitest';
import { plainText } from '../../../core/catalog/catalog.tools.ts';
import { flattenHeaderText, withFlatHeaders } from '../../../core/mail/flat-headers.ts';
import type { MailMessage } from '../../../core/mail/mail.port.ts';
import { storable } from '../../../core/http/route.ts';
import { freeText, storableText } from '../../../core/wire/text.ts';

describe('text that reaches the model, mail headers and PostgreSQL (issue 14)', () => {
  it('decodes every HTML entity of a product description, named and numeric', () => {
    expect(plainText('<p>Caf&eacute; &amp; it&#8217;s &hellip; 5&nbsp;kg &#x263A; &lt;b&gt;</p>')).toBe('Café & it’s … 5 kg ☺ <b>');
  });

  it('flattens line breaks and control characters in subjects and headers', async () => {
    expect(flattenHeaderText('Join Evil\r\nBcc: x@y.z\u2028Store\t!')).toBe('Join Evil Bcc: x@y.z Store !');
    const sent: MailMessage[] = [];
    const port = withFlatHeaders({ send: async (m: MailMessage) => (sent.push(m), { messageId: '1' }) });
    await port.send({ to: 'a@b.c', subject: 'Hi\nthere', text: 'body\nkeeps\nlines', headers: { 'X-Ref': 'a\r\nb' } });
    expect(sent[0]).toMatchObject({ subject: 'Hi there', text: 'body\nkeeps\nlines', headers: { 'X-Ref': 'a b' } });
  });

  it('strips NUL in free text and replaces unpaired surrogates; the central check names the field of any other NUL', () => {
    expect(storableText('a\u0000b\ud800c')).toBe('ab\ufffdc');
    expect(freeText().trim().min(1).safeParse('\u0000').success).toBe(false);
    expect(freeText().parse(' hi\u0000 ')).toBe(' hi ');
    const errors: { path: string; message: string }[] = [];
    const out = storable({ name: 'x\u0000', list: ['ok', 'y\u0000'], emoji: '😀', half: 'a\udc00' }, 'body', errors);
    expect(errors.map((e) => e.path)).toEqual(['body.name', 'body.list.1']);
    expect(out).toMatchObject({ emoji: '😀', half: 'a\ufffd' });
  });
});
