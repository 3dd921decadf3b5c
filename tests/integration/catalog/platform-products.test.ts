import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coalesceProductWrites, productUpsertStatement, type PlatformProductWrite } from '../../../core/catalog/platform-products.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';

/**
 * Platform products written together (a sync page, a batch of a webhook burst) must leave the table
 * exactly as writing them one at a time, in the order they arrived, would: each write keeps its own
 * guard (a row the platform changed later stays), and a handle written several times is written once.
 */
describe('platform product writes in one statement', () => {
  let app: TestApp;
  const installationId = '00000000-0000-4000-8000-000000000002';
  const HANDLES = ['mug', 'bowl', 'jug'];
  const TIMES = ['2026-01-01T10:00:00.000Z', '2026-01-01T10:00:01.000Z', '2026-01-01T10:00:02.000Z', '2026-01-01T10:00:03.000Z'];

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  const write = (handle: string, version: string, occurredAt: string | undefined): PlatformProductWrite => ({
    source: 'fake',
    installationId,
    product: { externalId: handle, handle, title: `${handle} ${version}`, description: version, price: { amount: '1.00', currency: 'EUR' }, tags: [], variants: [] },
    occurredAt,
  });
  const run = (tenantId: string, writes: PlatformProductWrite[]) => app.application.db.tenantsBatch([{ tenantId, build: () => productUpsertStatement(tenantId, writes) }]);
  const table = (tenantId: string) =>
    app.application.db.tenant(tenantId, async (trx) =>
      (await trx('products').orderBy('handle').select('handle', 'title', 'source_updated_at')).map((r) => ({ ...r, source_updated_at: r.source_updated_at?.toISOString() ?? null })),
    );
  const tenant = async (name: string) => (await app.application.repositories.tenancy.createTenant({ name })).id;

  // A small deterministic generator, so a failure names a case that can be run again.
  function* cases(count: number) {
    // mulberry32: an LCG's low bits repeat with a short period, and these draws are small ranges.
    let seed = 20261205;
    const next = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    for (let c = 0; c < count; c++) {
      const stored = HANDLES.filter(() => next(2) === 0).map((handle) => write(handle, 'stored', next(3) === 0 ? undefined : TIMES[next(TIMES.length)]));
      const writes = Array.from({ length: 2 + next(9) }, (_, i) => write(HANDLES[next(HANDLES.length)]!, `w${i}`, next(4) === 0 ? undefined : TIMES[next(TIMES.length)]));
      yield { c, stored, writes };
    }
  }

  it('leaves the table as the writes one by one in arrival order would, with and without the platform’s times', async () => {
    for (const { c, stored, writes } of cases(40)) {
      const oneByOne = await tenant(`one by one ${c}`);
      const together = await tenant(`together ${c}`);
      for (const id of [oneByOne, together]) if (stored.length > 0) await run(id, stored);
      for (const w of writes) await run(oneByOne, [w]);
      await run(together, writes);
      expect(await table(together), `case ${c}: ${JSON.stringify(writes.map((w) => [w.product.handle, w.product.description, w.occurredAt ?? null]))}`).toEqual(await table(oneByOne));
    }
  });

  it('keeps the search words of a product as its text says, through inserts, unchanged updates and changed ones', async () => {
    const tenantId = await tenant('search words');
    const at = (s: number) => `2026-02-01T10:00:0${s}.000Z`;
    const product = (description: string, amount: string, title = 'Travel kettle') => ({ externalId: 'k1', handle: 'kettle', title, description, price: { amount, currency: 'EUR' }, tags: ['copper'], variants: [] });
    const found = async (words: string) =>
      app.application.db.tenant(tenantId, async (trx) => (await trx('products').whereRaw(`search @@ plainto_tsquery('english', ?)`, [words]).pluck('handle')) as string[]);
    await run(tenantId, [{ source: 'fake', installationId, product: product('Boils water with a zephyr whistle.', '20.00'), occurredAt: at(1) }]);
    expect(await found('zephyr')).toEqual(['kettle']);
    expect(await found('copper')).toEqual(['kettle']);
    // The price changes, the text does not: the words stay.
    await run(tenantId, [{ source: 'fake', installationId, product: product('Boils water with a zephyr whistle.', '18.00'), occurredAt: at(2) }]);
    expect(await found('zephyr')).toEqual(['kettle']);
    // The description changes: the new words are found, the old ones are not.
    await run(tenantId, [{ source: 'fake', installationId, product: product('Boils water with an aurora glow.', '18.00'), occurredAt: at(3) }]);
    expect(await found('aurora')).toEqual(['kettle']);
    expect(await found('zephyr')).toEqual([]);
    // So does the title, through the merchant's own edit path (knex).
    await app.application.db.tenant(tenantId, (trx) => trx('products').where({ handle: 'kettle' }).update({ title: 'Gooseneck pourer' }));
    expect(await found('gooseneck')).toEqual(['kettle']);
    expect(await found('aurora')).toEqual(['kettle']);
  });

  it('keeps one write per handle: the later one, unless both carry times and the earlier is newer; after an untimed write, whatever is stored', () => {
    const { writes, forced } = coalesceProductWrites([
      write('mug', 'a', TIMES[2]),
      write('bowl', 'b', TIMES[0]),
      write('mug', 'c', TIMES[1]),
      write('bowl', 'd', undefined),
      write('jug', 'e', undefined),
      write('jug', 'f', TIMES[0]),
      write('cup', 'g', '2026-01-01T10:00:00.000002Z'),
      write('cup', 'h', '2026-01-01T10:00:00.000001499Z'),
      write('vase', 'i', undefined),
      write('vase', 'j', TIMES[0]),
      write('vase', 'k', TIMES[1]),
    ]);
    expect(writes.map((w) => `${w.product.handle}:${w.product.description}`)).toEqual(['mug:a', 'bowl:d', 'jug:f', 'cup:g', 'vase:k']);
    expect(forced).toEqual(['jug', 'vase']);
  });
});
