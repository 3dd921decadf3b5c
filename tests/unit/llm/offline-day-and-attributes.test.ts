import { describe, expect, it } from 'vitest';
import { planOfflineTurn } from '../../../adapters/llm/offline/index.ts';
import { offeredIn } from '../../../core/catalog/catalog.tools.ts';
import type { CatalogProductRow } from '../../../core/catalog/catalog.search.ts';
import { coreToolSpecs } from '../../../adapters/llm/core-tools.ts';

/** Issue #18: "Monday at 10" got Friday slots; "rain shell in size L" got a generic list including boots. */
const TODAY = '2026-12-04'; // a Friday
const SERVICE = { id: 'svc-1', name: 'Suit fitting', durationMinutes: 60 };
const FRIDAY_SLOTS = {
  serviceId: 'svc-1',
  timeZone: 'Europe/Berlin',
  slots: [
    { start: '2026-12-04T14:00:00+01:00', end: '2026-12-04T15:00:00+01:00' },
    { start: '2026-12-04T15:00:00+01:00', end: '2026-12-04T16:00:00+01:00' },
  ],
};

describe('offline model: the day and time in a booking request', () => {
  it('asks for the named day’s slots right after list_services', () => {
    const plan = planOfflineTurn({
      tools: coreToolSpecs(),
      today: TODAY,
      messages: [
        { role: 'user', content: "I'd like to book a fitting on Monday at 10" },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'list_services', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'c1', name: 'list_services', content: JSON.stringify({ items: [SERVICE] }) },
      ],
    });
    expect(plan).toMatchObject({ kind: 'tools', calls: [{ name: 'find_slots', args: { serviceId: 'svc-1', from: '2026-12-07', days: 1 } }] });
  });

  it('looks at Monday when the shopper answers Friday’s times with "Monday at 10" (and German "morgen um 15 Uhr")', () => {
    for (const [answer, day] of [
      ['Monday at 10', '2026-12-07'],
      ['morgen um 15 Uhr', '2026-12-05'],
      ['am Dienstag um halb 11', '2026-12-08'],
    ] as const) {
      const plan = planOfflineTurn({
        tools: coreToolSpecs(),
        today: TODAY,
        messages: [
          { role: 'user', content: 'I want to book a suit fitting' },
          { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'list_services', arguments: '{}' }] },
          { role: 'tool', toolCallId: 'c1', name: 'list_services', content: JSON.stringify({ items: [SERVICE] }) },
          { role: 'assistant', content: '', toolCalls: [{ id: 'c2', name: 'find_slots', arguments: '{"serviceId":"svc-1"}' }] },
          { role: 'tool', toolCallId: 'c2', name: 'find_slots', content: JSON.stringify(FRIDAY_SLOTS) },
          { role: 'assistant', content: 'Free times: Friday 14:00, 15:00' },
          { role: 'user', content: answer },
        ],
      });
      expect(plan, answer).toMatchObject({ kind: 'tools', calls: [{ name: 'find_slots', args: { serviceId: 'svc-1', from: day, days: 1 } }] });
    }
  });

  it('proposes the exact time once that day’s slots are in', () => {
    const plan = planOfflineTurn({
      tools: coreToolSpecs(),
      today: TODAY,
      messages: [
        { role: 'user', content: 'am Dienstag um halb 11' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'c3', name: 'find_slots', arguments: '{"serviceId":"svc-1","from":"2026-12-08","days":1}' }] },
        {
          role: 'tool',
          toolCallId: 'c3',
          name: 'find_slots',
          content: JSON.stringify({ ...FRIDAY_SLOTS, slots: [{ start: '2026-12-08T10:00:00+01:00', end: '2026-12-08T11:00:00+01:00' }, { start: '2026-12-08T10:30:00+01:00', end: '2026-12-08T11:30:00+01:00' }] }),
        },
      ],
    });
    expect(plan).toMatchObject({ kind: 'tools', calls: [{ name: 'propose_booking', args: { serviceId: 'svc-1', start: '2026-12-08T10:30:00+01:00' } }] });
  });
});

describe('offline model: product attributes', () => {
  it('searches "rain shell" filtered to size L (English) and black in 42 (German), without the attribute words', () => {
    const en = planOfflineTurn({ tools: coreToolSpecs(), messages: [{ role: 'user', content: 'Do you have the rain shell in size L?' }] });
    expect(en).toMatchObject({ kind: 'tools', calls: [{ name: 'search_products', args: { query: 'rain shell', size: 'L' } }, { name: 'search_faq' }] });
    const de = planOfflineTurn({ tools: coreToolSpecs(), messages: [{ role: 'user', content: 'Ich suche schwarze Stiefel in Größe 42' }] });
    expect(de).toMatchObject({ kind: 'tools', calls: [{ name: 'search_products', args: { query: 'stiefel', size: '42', color: 'black' } }, { name: 'search_faq' }] });
  });

  it('keeps only products offered (and available) in the size and colour', () => {
    const row = (title: string, variants: unknown[]): CatalogProductRow => ({ id: title, title, description: '', price_cents: 100, currency: 'EUR', url: null, image_url: null, tags: [], variants });
    const shell = row('Rain Shell', [
      { title: 'M / navy', available: true, options: { size: 'M', color: 'navy' } },
      { title: 'L / navy', available: true, options: { size: 'L', color: 'navy' } },
    ]);
    const soldOut = row('Rain Jacket', [{ title: 'L', available: false, options: { size: 'L' } }]);
    const boots = row('Leather Boots', [{ title: '42', available: true }]);
    expect([shell, soldOut, boots].filter((r) => offeredIn(r, 'L', undefined)).map((r) => r.title)).toEqual(['Rain Shell']);
    expect([shell, soldOut, boots].filter((r) => offeredIn(r, 'L', 'black')).map((r) => r.title)).toEqual([]);
    expect([shell, soldOut, boots].filter((r) => offeredIn(r, '42', undefined)).map((r) => r.title)).toEqual(['Leather Boots']);
  });
});
