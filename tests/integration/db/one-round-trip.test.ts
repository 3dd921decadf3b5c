// Database.tenantBatch: tenant reads sent as one simple-protocol message (issue 13). The guarantees of
// a unit of work must hold: row-level security for the tenant, nothing carried to the connection's
// next user, values inlined literally (never as SQL), one round trip.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Database, inTransaction, inTransactionAndCommit, sql, TenantIdError } from '../../../core/db/database.ts';
import { inlineStatement } from '../../../core/db/one-round-trip.ts';
import { WriteGroups, type InsertTarget } from '../../../core/db/write-groups.ts';
import { TenancyRepository } from '../../../core/tenancy/tenancy.repository.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.ts';

describe('one-round-trip tenant reads', () => {
  let t: TestDatabase;
  let single: Database;
  let repo: TenancyRepository;
  let a: string;
  let b: string;
  const hostile = `it's \\'; DROP TABLE bots; -- $1 $$ \\x00 "quoted"`;

  beforeAll(async () => {
    t = await createTestDatabase();
    // One connection: whatever a read leaves behind, the next query would see.
    single = Database.connect(t.url, { poolMax: 1 });
    repo = new TenancyRepository(t.db);
    a = (await repo.createTenant({ name: 'A' })).id;
    b = (await repo.createTenant({ name: 'B' })).id;
    await repo.createBot(a, { name: 'bot of A', allowedOrigins: ['https://a.example'] });
    await repo.createBot(a, { name: hostile, allowedOrigins: ['https://a.example'] });
    await repo.createBot(b, { name: 'bot of B', allowedOrigins: ['https://b.example'] });
  });
  afterAll(async () => {
    await single?.close();
    await t?.drop();
  });

  it('sees only the tenant it names, in every statement of the message', async () => {
    const rows = await single.tenantBatch(a, (knex) => ({
      bots: knex('bots').select('name', 'tenant_id').orderBy('name'),
      tenants: knex('tenants').select('id'),
      otherBots: knex('bots').where({ tenant_id: b }).select('name'),
    }));
    expect(rows.bots.map((bot) => bot.tenant_id)).toEqual([a, a]);
    expect(rows.tenants).toEqual([{ id: a }]);
    expect(rows.otherBots).toEqual([]);
  });

  it('leaves neither the role nor the tenant on the connection', async () => {
    await single.tenantBatch(a, (knex) => ({ bots: knex('bots').select('id') }));
    const { rows } = await single.knex.raw(`SELECT current_user AS who, coalesce(current_setting('app.tenant_id', true), '') AS tenant`);
    expect(rows[0].who).not.toBe('concierge_app');
    expect(rows[0].tenant).toBe('');
    // And a query with no tenant set sees nothing through the app role.
    const bare = await single.knex.transaction(async (trx) => {
      await trx.raw('SET LOCAL ROLE concierge_app');
      return trx('bots').select('id');
    });
    expect(bare).toEqual([]);
  });

  it('inlines values as literals: quotes, backslashes, placeholders and dollar signs stay text', async () => {
    const rows = await single.tenantBatch(a, (knex) => ({
      match: knex('bots').where({ name: hostile }).select('name'),
      dates: knex.select(knex.raw('?::timestamptz AS at, ? AS n, ? AS yes, ? AS nothing', [new Date('2027-01-02T03:04:05Z'), -7.5, true, null])),
    }));
    expect(rows.match).toEqual([{ name: hostile }]);
    // Untyped, as an extended-protocol parameter would be: text where nothing says otherwise.
    expect(rows.dates[0]).toEqual({ at: new Date('2027-01-02T03:04:05Z'), n: '-7.5', yes: 'true', nothing: null });
    expect((await repo.listBots(a)).length).toBe(2);
  });

  it('sends values as the driver would (JSON, arrays, bytea, dates), untyped, so the column decides', async () => {
    const rows = await single.tenantBatch(a, (knex) => ({
      values: knex.select(
        knex.raw(`?::jsonb AS doc, ?::uuid[] AS ids, ?::bytea AS bytes, ?::date AS day, ?::int + 1 AS next`, [
          { quote: "it's", dollar: '$1' },
          [a, b],
          Buffer.from([0, 1, 254, 255]),
          '2027-01-02',
          41,
        ]),
      ),
    }));
    expect(rows.values[0]).toEqual({ doc: { quote: "it's", dollar: '$1' }, ids: [a, b], bytes: Buffer.from([0, 1, 254, 255]), day: expect.any(Date), next: 42 });
  });

  it('sends bytea byte for byte: quotes, backslashes, a leading \\x, NUL, every byte value, nothing', async () => {
    const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const samples = [
      Buffer.from(`{"title":"it's \\x41 a \\\\ 'quote' \u00e9t\u00e9 \u2603"}\n\u0000\u0001`, 'utf8'),
      Buffer.from('\\x41'),
      Buffer.from('\\\\x41 starts with backslashes'),
      every,
      Buffer.concat([Buffer.from('mostly text '.repeat(30)), every]),
      Buffer.alloc(0),
    ];
    const rows = await single.tenantBatch(a, (knex) => Object.fromEntries(samples.map((bytes, i) => [`s${i}`, knex.select(knex.raw('?::bytea AS bytes', [bytes]))])));
    samples.forEach((bytes, i) => expect((rows as Record<string, { bytes: Buffer }[]>)[`s${i}`]![0]!.bytes.equals(bytes), `sample ${i}`).toBe(true));
  });

  it('replaces placeholders only outside quoted text, identifiers, dollar quotes and comments', () => {
    const sql = `select '$1 it''s', "col$1", E'x\\'$1', $$ $1 $$, $t$ $1 $t$ -- $1\n, /* $1 */ $1, $2`;
    expect(inlineStatement({ sql, bindings: ["o'k", 7] })).toBe(`select '$1 it''s', "col$1", E'x\\'$1', $$ $1 $$, $t$ $1 $t$ -- $1\n, /* $1 */ 'o''k', '7'`);
    expect(() => inlineStatement({ sql: 'select $3', bindings: [1] })).toThrow(/no binding for \$3/);
  });

  it('refuses what PostgreSQL cannot take, and the connection stays usable', async () => {
    await expect(single.tenantBatch(a, (knex) => ({ q: knex('bots').where({ name: 'x\0y' }) }))).rejects.toThrow(/NUL/);
    await expect(single.tenantBatch('not-a-uuid', (knex) => ({ q: knex('bots') }))).rejects.toThrow(TenantIdError);
    // A statement that fails ends the implicit transaction; the next read is clean.
    await expect(single.tenantBatch(a, (knex) => ({ q: knex('no_such_table').select('*') }))).rejects.toThrow(/no_such_table/);
    const rows = await single.tenantBatch(a, (knex) => ({ tenants: knex('tenants').select('name') }));
    expect(rows.tenants).toEqual([{ name: 'A' }]);
  });

  it('costs one round trip: one message on the wire, carrying the preamble and every statement', async () => {
    const query = vi.spyOn(pg.Client.prototype, 'query');
    try {
      await single.tenantBatch(a, (knex) => ({ bots: knex('bots').select('id'), tenants: knex('tenants').select('id') }));
      expect(query).toHaveBeenCalledTimes(1);
      const text = String(query.mock.calls[0]![0]);
      expect(text).toMatch(/^SELECT set_config\('role', 'concierge_app', true\), set_config\('app\.tenant_id', '[0-9a-f-]{36}', true\); select "id" from "bots"; select "id" from "tenants"$/);
    } finally {
      query.mockRestore();
    }
  });

  describe('a unit of work sends its BEGIN with its first message', () => {
    const watch = async <T>(work: () => Promise<T>): Promise<{ result: T; sent: string[] }> => {
      const query = vi.spyOn(pg.Client.prototype, 'query');
      try {
        const result = await work();
        return { result, sent: query.mock.calls.map((call) => (typeof call[0] === 'string' ? call[0] : (call[0] as { text: string }).text)) };
      } finally {
        query.mockRestore();
      }
    };

    it('costs no round trip when it sends nothing', async () => {
      const { result, sent } = await watch(() => single.tenant(a, async () => 'nothing read'));
      expect(result).toBe('nothing read');
      expect(sent).toEqual([]);
    });

    it('carries BEGIN and the tenant preamble in the first batch, and later statements stay in that transaction', async () => {
      const { result, sent } = await watch(() =>
        single.tenant(a, async (trx) => {
          const first = await inTransaction(trx, { tx: trx.raw('SELECT txid_current() AS id'), bots: trx('bots').select('tenant_id') });
          const later = await trx.raw('SELECT txid_current() AS id');
          return { first, later: later.rows[0].id };
        }),
      );
      expect(sent[0]).toMatch(/^BEGIN; SELECT set_config\('role', 'concierge_app', true\), set_config\('app\.tenant_id', '[0-9a-f-]{36}', true\); SELECT txid_current\(\) AS id; select "tenant_id" from "bots"$/);
      expect(sent.slice(1)).toEqual(['SELECT txid_current() AS id', 'COMMIT;']);
      expect(result.first.bots.map((bot) => bot.tenant_id)).toEqual([a, a]);
      expect(result.later).toBe(result.first.tx[0]!.id);
    });

    it('sends a knex query first in the unit of work with BEGIN, its parameters inlined', async () => {
      const { result, sent } = await watch(() =>
        single.tenant(b, (trx) => Promise.all([trx('bots').select('name'), trx('tenants').select('name')])),
      );
      // The first statement (parameters inlined) travels with BEGIN; the second follows on its own.
      expect(sent[0]).toMatch(/^BEGIN; SELECT set_config\(.*\); select "name" from "bots"$/);
      expect(sent).toHaveLength(3);
      expect(sent.at(-1)).toBe('COMMIT;');
      expect(result).toEqual([[{ name: 'bot of B' }], [{ name: 'B' }]]);
    });

    it('rolls a failed first batch back whole, and the connection is clean after', async () => {
      await expect(
        single.tenant(a, (trx) => inTransaction(trx, { bot: trx('bots').insert({ tenant_id: b, name: 'intruder', public_key: 'pk_intruder' }) })),
      ).rejects.toThrow(/row-level security/);
      expect((await repo.listBots(b)).map((bot) => bot.name)).toEqual(['bot of B']);
      const { rows } = await single.knex.raw(`SELECT current_user AS who, coalesce(current_setting('app.tenant_id', true), '') AS tenant, txid_current_if_assigned() AS tx`);
      expect(rows[0]).toMatchObject({ tenant: '', tx: null });
      expect(rows[0].who).not.toBe('concierge_app');
    });

    const clean = async () => {
      const { rows } = await single.knex.raw(`SELECT coalesce(current_setting('app.tenant_id', true), '') AS tenant, txid_current_if_assigned() AS tx`);
      expect(rows[0]).toEqual({ tenant: '', tx: null });
    };

    it('sends the COMMIT with the last statements (inTransactionAndCommit), and nothing after them', async () => {
      const { result, sent } = await watch(() =>
        single.tenant(a, async (trx) => {
          const before = await trx.raw('SELECT txid_current() AS id');
          const last = await inTransactionAndCommit(trx, { bot: trx('bots').insert({ tenant_id: a, name: 'committed with its statement', public_key: 'pk_last_1' }).returning('name'), tx: trx.raw('SELECT txid_current() AS id') });
          return { before: before.rows[0].id, last };
        }),
      );
      expect(sent).toHaveLength(2);
      expect(sent[1]).toMatch(/^insert into "bots" .*; SELECT txid_current\(\) AS id; COMMIT$/);
      expect(result.last.bot).toEqual([{ name: 'committed with its statement' }]);
      expect(result.last.tx[0]!.id).toBe(result.before);
      expect((await repo.listBots(a)).map((bot) => bot.name)).toContain('committed with its statement');
      await clean();
      // As a unit of work's only statements: BEGIN, preamble, statements and COMMIT in one message.
      const alone = await watch(() => single.tenant(a, (trx) => inTransactionAndCommit(trx, { n: trx('bots').count('* as n') })));
      expect(alone.sent).toHaveLength(1);
      expect(alone.sent[0]).toMatch(/^BEGIN; SELECT set_config\(.*\); select count\(\*\) as "n" from "bots"; COMMIT$/);
    });

    it('skips the COMMIT when a statement fails: the unit of work rolls back whole', async () => {
      await expect(
        single.tenant(a, async (trx) => {
          await trx('bots').insert({ tenant_id: a, name: 'rolled back with the batch', public_key: 'pk_last_2' });
          await inTransactionAndCommit(trx, { bot: trx('bots').insert({ tenant_id: b, name: 'intruder', public_key: 'pk_last_3' }) });
        }),
      ).rejects.toThrow(/row-level security/);
      expect((await repo.listBots(a)).map((bot) => bot.name)).not.toContain('rolled back with the batch');
      await clean();
    });

    it('refuses a statement after the committing ones, and leaves the connection clean', async () => {
      await expect(
        single.tenant(a, async (trx) => {
          await inTransactionAndCommit(trx, { bot: trx('bots').insert({ tenant_id: a, name: 'written before the mistake', public_key: 'pk_last_4' }) });
          await trx('bots').insert({ tenant_id: a, name: 'outside any transaction', public_key: 'pk_last_5' });
        }),
      ).rejects.toThrow(/cannot follow them/);
      const names = (await repo.listBots(a)).map((bot) => bot.name);
      expect(names).toContain('written before the mistake');
      expect(names).not.toContain('outside any transaction');
      await clean();
    });
  });
  describe('group commit: several tenants in one message (tenantsBatch, WriteGroups)', () => {
    const delivery = (knex: import('knex').Knex, tenantId: string, id: string, topic: string | null = 'products/update') =>
      knex('webhook_deliveries')
        .insert({ tenant_id: tenantId, plugin_id: 'group-test', delivery_id: id, topic, payload: Buffer.from(id), headers: '{}' })
        .onConflict(['tenant_id', 'plugin_id', 'delivery_id'])
        .ignore()
        .returning(['delivery_id', 'tenant_id']);
    const stored = async (tenantId: string) =>
      (await t.db.tenant(tenantId, (trx) => trx('webhook_deliveries').where({ plugin_id: 'group-test' }).orderBy('delivery_id').select('delivery_id'))).map((r) => r.delivery_id as string);

    it('runs each statement under its own tenant, all or nothing', async () => {
      const results = await single.tenantsBatch([
        { tenantId: a, build: (knex) => delivery(knex, a, 'g1-a') },
        { tenantId: b, build: (knex) => delivery(knex, b, 'g1-b') },
        // Under A's setting, B's rows are invisible.
        { tenantId: a, build: (knex) => knex('webhook_deliveries').where({ tenant_id: b, plugin_id: 'group-test' }).select('delivery_id') },
      ]);
      expect(results).toEqual([[{ delivery_id: 'g1-a', tenant_id: a }], [{ delivery_id: 'g1-b', tenant_id: b }], []]);
      // A row for B written under A's setting is refused by row-level security, and the whole message with it.
      await expect(
        single.tenantsBatch([
          { tenantId: a, build: (knex) => delivery(knex, a, 'g2-a') },
          { tenantId: a, build: (knex) => delivery(knex, b, 'g2-b') },
        ]),
      ).rejects.toThrow(/row-level security/);
      expect(await stored(a)).toEqual(['g1-a']);
      expect(await stored(b)).toEqual(['g1-b']);
      const { rows } = await single.knex.raw(`SELECT current_user AS who, coalesce(current_setting('app.tenant_id', true), '') AS tenant`);
      expect(rows[0]).toMatchObject({ tenant: '' });
      expect(rows[0].who).not.toBe('concierge_app');
    });

    it('sends writes that arrive together as one message, each caller getting its own rows', async () => {
      const groups = new WriteGroups(single, { durable: true });
      const query = vi.spyOn(pg.Client.prototype, 'query');
      let answers: { delivery_id: string; tenant_id: string }[][];
      let messages: number;
      try {
        answers = await Promise.all(
          Array.from({ length: 40 }, (_, i) => {
            const tenantId = i % 2 === 0 ? a : b;
            return groups.run(tenantId, (knex) => delivery(knex, tenantId, `g3-${String(i).padStart(2, '0')}`) as never) as Promise<{ delivery_id: string; tenant_id: string }[]>;
          }),
        );
        messages = query.mock.calls.length;
      } finally {
        query.mockRestore();
      }
      expect(messages).toBe(1);
      answers.forEach((rows, i) => expect(rows).toEqual([{ delivery_id: `g3-${String(i).padStart(2, '0')}`, tenant_id: i % 2 === 0 ? a : b }]));
      // A write already made answers no rows (RETURNING of ON CONFLICT DO NOTHING), in the same group too.
      const again = await Promise.all([groups.run(a, (knex) => delivery(knex, a, 'g3-00') as never), groups.run(a, (knex) => delivery(knex, a, 'g3-new') as never), groups.run(a, (knex) => delivery(knex, a, 'g3-new') as never)]);
      expect(again.map((rows) => rows.length)).toEqual([0, 1, 0]);
      expect((await stored(b)).filter((id) => id.startsWith('g3-'))).toHaveLength(20);
    });

    it('runs statements written as SQL (sql()) like knex queries: values stay text, row-level security holds', async () => {
      const groups = new WriteGroups(single, { durable: true });
      const insert = (tenantId: string, id: string, topic: string) =>
        sql<{ delivery_id: string; topic: string }[]>(
          `INSERT INTO webhook_deliveries (tenant_id, plugin_id, delivery_id, topic, payload, headers) VALUES ($1, 'group-test', $2, $3, $4, $5) RETURNING delivery_id, topic`,
          [tenantId, id, topic, Buffer.from([0, 39, 92, 36]), JSON.stringify({ hostile })],
        );
      const [mine, bad] = await Promise.allSettled([groups.run(a, () => insert(a, 'g5-a', hostile)), groups.run(a, () => insert(b, 'g5-b', 'x'))]);
      expect(mine).toEqual({ status: 'fulfilled', value: [{ delivery_id: 'g5-a', topic: hostile }] });
      // B's row under A's setting: refused by row-level security, alone.
      expect(bad.status).toBe('rejected');
      expect(String((bad as PromiseRejectedResult).reason)).toMatch(/row-level security/);
      const [row] = await t.db.tenant(a, (trx) => trx('webhook_deliveries').where({ plugin_id: 'group-test', delivery_id: 'g5-a' }).select('payload', 'headers'));
      expect([...(row.payload as Buffer)]).toEqual([0, 39, 92, 36]);
      expect(row.headers).toEqual({ hostile });
      expect(await stored(b)).not.toContain('g5-b');
    });

    describe('insertIfAbsent: the rows of one tenant in one multi-row INSERT', () => {
      const target: InsertTarget = {
        table: 'webhook_deliveries',
        columns: ['tenant_id', 'plugin_id', 'delivery_id', 'topic', 'payload', 'headers'],
        key: ['tenant_id', 'plugin_id', 'delivery_id'],
      };
      const row = (tenantId: string, id: string, topic: string | null = 'products/update', payload = Buffer.from(id)) => [tenantId, 'group-test', id, topic, payload, '{}'];
      const statementsIn = (text: string) => text.split(/;\s*(?=SELECT|INSERT)/).map((s) => s.trim().split(/\s/)[0]);

      it('writes a group in one message, one INSERT per tenant, and says which rows were new', async () => {
        const groups = new WriteGroups(single, { durable: true });
        const query = vi.spyOn(pg.Client.prototype, 'query');
        let written: boolean[];
        let texts: string[];
        try {
          written = await Promise.all([
            ...Array.from({ length: 30 }, (_, i) => groups.insertIfAbsent(i % 3 === 0 ? b : a, target, row(i % 3 === 0 ? b : a, `m1-${String(i).padStart(2, '0')}`))),
            // The same key twice in one group: the first call's row is the one written.
            groups.insertIfAbsent(a, target, row(a, 'm1-01')),
            // The same delivery id for another tenant is another key.
            groups.insertIfAbsent(b, target, row(b, 'm1-01')),
          ]);
          texts = query.mock.calls.map((call) => String(call[0]));
        } finally {
          query.mockRestore();
        }
        expect(texts).toHaveLength(1);
        // The role, then per tenant its setting and one INSERT (A's 20 rows, B's 10 + 1).
        expect(statementsIn(texts[0]!)).toEqual(['SELECT', 'SELECT', 'INSERT', 'SELECT', 'INSERT']);
        expect(written.slice(0, 30)).toEqual(Array(30).fill(true));
        expect(written.slice(30)).toEqual([false, true]);
        expect((await stored(a)).filter((id) => id.startsWith('m1-'))).toHaveLength(20);
        expect((await stored(b)).filter((id) => id.startsWith('m1-'))).toHaveLength(11);

        // A key already stored is not written again; its values stay the first ones.
        const again = await Promise.all([groups.insertIfAbsent(a, target, row(a, 'm1-01', 'orders/create')), groups.insertIfAbsent(a, target, row(a, 'm1-new'))]);
        expect(again).toEqual([false, true]);
        const [kept] = await t.db.tenant(a, (trx) => trx('webhook_deliveries').where({ plugin_id: 'group-test', delivery_id: 'm1-01' }).select('topic'));
        expect(kept.topic).toBe('products/update');
      });

      it('keeps values as values (quotes, backslashes, dollar signs, any bytes)', async () => {
        const groups = new WriteGroups(single, { durable: true });
        const bytes = Buffer.from([0, 39, 92, 36, 255, 10]);
        const written = await Promise.all([
          groups.insertIfAbsent(a, target, [a, 'group-test', hostile, hostile, bytes, JSON.stringify({ hostile })]),
          groups.insertIfAbsent(a, target, [a, 'group-test', `${hostile} 2`, 'x', Buffer.alloc(0), '{}']),
        ]);
        expect(written).toEqual([true, true]);
        const [stored] = await t.db.tenant(a, (trx) => trx('webhook_deliveries').where({ plugin_id: 'group-test', delivery_id: hostile }).select('topic', 'payload', 'headers'));
        expect(stored.topic).toBe(hostile);
        expect([...(stored.payload as Buffer)]).toEqual([...bytes]);
        expect(stored.headers).toEqual({ hostile });
        expect(await groups.insertIfAbsent(a, target, [a, 'group-test', hostile, 'y', bytes, '{}'])).toBe(false);
      });

      it('a bad row or another tenant\'s row fails alone; the rest of the group is written', async () => {
        const groups = new WriteGroups(single, { durable: true });
        const outcomes = await Promise.allSettled([
          groups.insertIfAbsent(a, target, row(a, 'm3-ok-1')),
          // topic is NOT NULL.
          groups.insertIfAbsent(a, target, row(a, 'm3-bad', null)),
          // B's row under A's setting: refused by row-level security.
          groups.insertIfAbsent(a, target, row(b, 'm3-intruder')),
          groups.insertIfAbsent(b, target, row(b, 'm3-ok-2')),
        ]);
        expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
        expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/topic/);
        expect(String((outcomes[2] as PromiseRejectedResult).reason)).toMatch(/row-level security/);
        expect(await stored(a)).toContain('m3-ok-1');
        expect(await stored(a)).not.toContain('m3-bad');
        expect(await stored(b)).toContain('m3-ok-2');
        expect(await stored(b)).not.toContain('m3-intruder');
        expect(() => groups.insertIfAbsent(a, target, [a, 'group-test'])).toThrow(/2 values for 6 columns/);
      });
    });

    it('a bad write fails alone: the rest of its group is written', async () => {
      const groups = new WriteGroups(single, { durable: false });
      const outcomes = await Promise.allSettled([
        groups.run(a, (knex) => delivery(knex, a, 'g4-ok-1') as never),
        // topic is NOT NULL: this statement fails, and with it the group's message.
        groups.run(a, (knex) => delivery(knex, a, 'g4-bad', null) as never),
        groups.run(b, (knex) => delivery(knex, b, 'g4-ok-2') as never),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/topic/);
      expect(await stored(a)).toContain('g4-ok-1');
      expect(await stored(a)).not.toContain('g4-bad');
      expect(await stored(b)).toContain('g4-ok-2');
    });
  });
});
