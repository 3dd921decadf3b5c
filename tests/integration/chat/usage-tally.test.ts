import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { UsageTally } from '../../../core/chat/usage-tally.ts';
import { TenancyRepository } from '../../../core/tenancy/tenancy.repository.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.ts';

/** core/chat/usage-tally.ts: concurrent turns' token usage, summed per store and month, against PostgreSQL. */
describe('token usage tally', () => {
  let t: TestDatabase;
  let tally: UsageTally;
  let a: string;
  let b: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    const tenancy = new TenancyRepository(t.db);
    a = (await tenancy.createTenant({ name: 'A' })).id;
    b = (await tenancy.createTenant({ name: 'B' })).id;
    tally = new UsageTally(t.db);
  });
  afterAll(async () => {
    await t.drop();
  });

  const usage = async (tenantId: string, month: string) => {
    const row = await t.db.tenant(tenantId, (trx) => trx('llm_usage_monthly').where({ tenant_id: tenantId, month }).first('prompt_tokens', 'completion_tokens'));
    return row ? { prompt_tokens: Number(row.prompt_tokens), completion_tokens: Number(row.completion_tokens) } : undefined;
  };
  const usageStatements = (query: { mock: { calls: unknown[][] } }) => query.mock.calls.map(([text]) => String(text)).filter((text) => text.includes('llm_usage_monthly'));

  it('sends the additions of the moment as one message, one upsert per store and month, summed', async () => {
    const query = vi.spyOn(pg.Client.prototype, 'query');
    try {
      await Promise.all([
        ...Array.from({ length: 50 }, () => tally.add(a, '2026-12-01', 10, 3, false)),
        ...Array.from({ length: 10 }, () => tally.add(b, '2026-12-01', 1, 1, false)),
        tally.add(a, '2026-11-01', 5, 5, true),
      ]);
      const sent = usageStatements(query);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.match(/INSERT INTO llm_usage_monthly/g)).toHaveLength(3);
    } finally {
      query.mockRestore();
    }
    expect(await usage(a, '2026-12-01')).toEqual({ prompt_tokens: 500, completion_tokens: 150 });
    expect(await usage(b, '2026-12-01')).toEqual({ prompt_tokens: 10, completion_tokens: 10 });
    expect(await usage(a, '2026-11-01')).toEqual({ prompt_tokens: 5, completion_tokens: 5 });
  });

  it('adds what arrives while a message is on its way in the next one, and loses nothing', async () => {
    const first = tally.add(b, '2027-01-01', 1, 0, false);
    // The first message leaves one turn later; these arrive while it is on its way.
    await new Promise((resolve) => setImmediate(resolve));
    const later = Array.from({ length: 20 }, () => tally.add(b, '2027-01-01', 2, 1, false));
    await Promise.all([first, ...later]);
    expect(await usage(b, '2027-01-01')).toEqual({ prompt_tokens: 41, completion_tokens: 20 });
  });

  it('fails only the additions of a store that cannot be written', async () => {
    const gone = randomUUID();
    const results = await Promise.allSettled([tally.add(gone, '2026-12-01', 1, 1, false), tally.add(a, '2027-02-01', 7, 0, false)]);
    expect(results[0]).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ code: '23503' }) });
    expect(results[1]).toEqual({ status: 'fulfilled', value: undefined });
    expect(await usage(a, '2027-02-01')).toEqual({ prompt_tokens: 7, completion_tokens: 0 });
  });
});
