import { describe, expect, it } from 'vitest';
import { csvField, csvRecord } from '../../../core/analytics/csv.ts';

describe('RFC 4180 CSV', () => {
  it('leaves plain fields alone and writes numbers as numbers, nulls as empty', () => {
    expect(csvRecord(['2026-11-01', 3, 0.3333, null, undefined, 'gpt-4o'])).toBe('2026-11-01,3,0.3333,,,gpt-4o\r\n');
    expect(csvField(-5)).toBe('-5');
    expect(csvField(Number.NaN)).toBe('');
  });

  it('quotes fields with commas, quotes, CR or LF, doubling the quotes', () => {
    expect(csvField('a, b')).toBe('"a, b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvField('lf\nonly')).toBe('"lf\nonly"');
    expect(csvField('"')).toBe('""""');
  });

  it('defuses text a spreadsheet would run as a formula', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@sum')).toBe("'@sum");
    expect(csvField('-model')).toBe("'-model");
  });

  it('round-trips through a strict RFC 4180 reader', () => {
    const values = ['plain', 'a,b', 'q"uote', 'multi\r\nline', '', 'ümlaut'];
    const line = csvRecord(values);
    // A minimal reader: quoted fields may hold anything, "" is one quote.
    const parsed: string[] = [];
    let i = 0;
    while (i < line.length - 2) {
      if (line[i] === '"') {
        let value = '';
        i++;
        for (;;) {
          if (line[i] === '"' && line[i + 1] === '"') { value += '"'; i += 2; }
          else if (line[i] === '"') { i++; break; }
          else value += line[i++];
        }
        parsed.push(value);
      } else {
        const end = line.slice(i).search(/,|\r\n/);
        parsed.push(line.slice(i, i + end));
        i += end;
      }
      if (line[i] === ',') i++;
    }
    expect(parsed).toEqual(values);
  });
});
