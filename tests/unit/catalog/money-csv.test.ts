import { describe, expect, it } from 'vitest';
import { parseFaqCsv, parseProductsCsv } from '../../../core/catalog/catalog-csv.ts';
import { currencyExponent, fromMinorUnits, toMinorUnits } from '@concierge/plugin-sdk';

describe('Money in minor units by the currency exponent', () => {
  it('knows EUR 2, JPY 0, KWD 3 and refuses unknown codes', () => {
    expect([currencyExponent('EUR'), currencyExponent('JPY'), currencyExponent('KWD')]).toEqual([2, 0, 3]);
    expect(currencyExponent('XYZ')).toBeUndefined();
  });
  it('round-trips decimal strings without floats', () => {
    expect(toMinorUnits('49.9', 'EUR')).toBe(4990);
    expect(toMinorUnits('4500', 'JPY')).toBe(4500);
    expect(toMinorUnits('12.345', 'KWD')).toBe(12345);
    expect(toMinorUnits('0.10', 'EUR') + toMinorUnits('0.20', 'EUR')).toBe(30);
    expect(fromMinorUnits(4990, 'eur')).toEqual({ amount: '49.90', currency: 'EUR' });
    expect(fromMinorUnits(4500, 'JPY')).toEqual({ amount: '4500', currency: 'JPY' });
    expect(fromMinorUnits(5, 'KWD')).toEqual({ amount: '0.005', currency: 'KWD' });
    expect(() => toMinorUnits('1.5', 'JPY')).toThrow(/0 decimal places/);
  });
});

describe('CSV parsing', () => {
  it('counts the lines of quoted multi-line cells when naming a later row, and groups variants by handle', () => {
    const csv = 'handle,title,description,price,currency,size,color,variant_price\nshell,Rain Shell,"Line one\nline two",129.00,EUR,M,navy,\nshell,Rain Shell,,129.00,EUR,L,navy,139.00\nbad,Bad,x,-1,EUR,,,\n';
    const parsed = parseProductsCsv(csv);
    expect(parsed.total).toBe(2);
    expect(parsed.records[0]!.value.variants).toEqual([
      { title: 'M / navy', available: true, options: { size: 'M', color: 'navy' } },
      { title: 'L / navy', price: { amount: '139.00', currency: 'EUR' }, available: true, options: { size: 'L', color: 'navy' } },
    ]);
    expect(parsed.errors).toEqual([expect.objectContaining({ line: 5, column: 'price' })]);
  });
  it('reports broken CSV as a row error instead of throwing', () => {
    const parsed = parseFaqCsv('question,answer\n"unterminated,answer\n');
    expect(parsed.records).toEqual([]);
    expect(parsed.errors[0]).toMatchObject({ column: null, message: expect.stringMatching(/not readable as CSV/) });
  });
});
