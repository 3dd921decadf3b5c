import { describe, expect, it } from 'vitest';
import { daySlices, isRangeBound, resolveRange, sliceOfDate } from '../../../core/analytics/analytics.range.ts';

const now = new Date('2026-11-22T12:00:00Z');
const ok = (query: { from?: string; to?: string }, zone: string) => {
  const result = resolveRange(query, zone, now);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.range;
};

describe('analytics ranges', () => {
  it('reads dates in the store zone, `to` through the end of that day', () => {
    const r = ok({ from: '2026-11-01', to: '2026-11-01' }, 'America/New_York');
    expect([r.from.toISOString(), r.to.toISOString()]).toEqual(['2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z']);
    const b = ok({ from: '2026-03-29', to: '2026-03-29' }, 'Europe/Berlin');
    // The spring-forward day is 23 hours.
    expect((b.to.getTime() - b.from.getTime()) / 3_600_000).toBe(23);
  });

  it('takes ISO times with an offset or Z as given, `to` exclusive', () => {
    const r = ok({ from: '2026-11-01T01:30:00-05:00', to: '2026-11-01T12:00:00Z' }, 'America/New_York');
    expect([r.from.toISOString(), r.to.toISOString()]).toEqual(['2026-11-01T06:30:00.000Z', '2026-11-01T12:00:00.000Z']);
    expect(r.days).toEqual([{ day: '2026-11-01', lo: r.from, hi: r.to, whole: false }]);
  });

  it('accepts only a date or a full ISO time with offset', () => {
    for (const good of ['2026-12-01', '2026-12-01T09:00:00+01:00', '2026-12-01T09:00Z', '2026-12-01T09:00:00.123-05:00', '2028-02-29']) expect(isRangeBound(good), good).toBe(true);
    for (const bad of ['2026-12-01T09:00:00', '2026-13-01', '2026-02-30', '2027-02-29', '12/01/2026', 'today', '', '2026-12-01 09:00:00Z', '1764579600'])
      expect(isRangeBound(bad), bad).toBe(false);
  });

  it('names the field of each error', () => {
    expect(resolveRange({ from: 'x', to: 'y' }, 'UTC', now)).toEqual({
      ok: false,
      errors: [expect.objectContaining({ path: 'query.from' }), expect.objectContaining({ path: 'query.to' })],
    });
    expect(resolveRange({ from: '2026-11-02', to: '2026-11-01' }, 'UTC', now)).toEqual({ ok: false, errors: [expect.objectContaining({ path: 'query.to' })] });
  });

  it('allows 400 local days and refuses 401', () => {
    expect(ok({ from: '2025-01-01', to: '2026-02-04' }, 'Europe/Berlin').days).toHaveLength(400);
    expect(resolveRange({ from: '2025-01-01', to: '2026-02-05' }, 'Europe/Berlin', now)).toMatchObject({ ok: false, errors: [{ path: 'query.to' }] });
  });

  it('defaults to the 30 local days ending today', () => {
    const r = ok({}, 'America/New_York');
    expect(r.days.map((d) => d.day)).toEqual(Array.from({ length: 30 }, (_, i) => new Date(Date.UTC(2026, 9, 24 + i)).toISOString().slice(0, 10)));
    expect(r.to.toISOString()).toBe('2026-11-23T05:00:00.000Z');
  });

  it('slices a range into local days clipped at the edges, 25 hours on a fall-back day', () => {
    const slices = daySlices(new Date('2026-10-31T20:00:00Z'), new Date('2026-11-02T17:00:00Z'), 'America/New_York');
    expect(slices.map((s) => [s.day, s.lo.toISOString(), s.hi.toISOString(), s.whole])).toEqual([
      ['2026-10-31', '2026-10-31T20:00:00.000Z', '2026-11-01T04:00:00.000Z', false],
      ['2026-11-01', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z', true],
      ['2026-11-02', '2026-11-02T05:00:00.000Z', '2026-11-02T17:00:00.000Z', false],
    ]);
    expect(sliceOfDate('2026-10-25', 'Europe/Berlin')).toEqual({ day: '2026-10-25', lo: new Date('2026-10-24T22:00:00Z'), hi: new Date('2026-10-25T23:00:00Z'), whole: true });
  });

  it('handles a zone whose midnight does not exist on its DST day', () => {
    // America/Santiago springs forward at 00:00 → 01:00 (2026-09-06): that day starts at 01:00 local.
    const s = sliceOfDate('2026-09-06', 'America/Santiago');
    expect((s.hi.getTime() - s.lo.getTime()) / 3_600_000).toBe(23);
    expect(daySlices(s.lo, s.hi, 'America/Santiago').map((d) => d.day)).toEqual(['2026-09-06']);
  });
});
