import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createMerchant, type TestMerchant } from '../../helpers/merchant.ts';
import { completed, WidgetClient } from '../chat/helpers.ts';

/** Knowledge for any site (issue #18): the merchant API for products and FAQ, and CSV imports. */
describe('catalog merchant API', () => {
  let app: TestApp;
  let owner: TestMerchant;
  const api = (path: string, init: RequestInit & { token?: string } = {}) =>
    fetch(`${app.url}${path}`, { ...init, headers: { authorization: `Bearer ${init.token ?? owner.token}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });
  const json = async (res: Response) => ({ status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as any });

  beforeAll(async () => {
    app = await startTestApp({}, { catalog: { worker: { pollMs: 200, batchSize: 1000 } } });
    owner = await createMerchant(app.application);
  });
  afterAll(() => app.stop());

  async function waitForImport(path: string, token: string) {
    const seen: number[] = [];
    for (let i = 0; i < 600; i++) {
      const { body } = await json(await api(path, { token }));
      seen.push(body.processed);
      if (body.processed === undefined) throw new Error(JSON.stringify(body));
      if (body.status === 'done' || body.status === 'failed') return { job: body, seen };
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`import did not finish: ${seen.join(',')}`);
  }

  it('creates, reads, lists, changes and deletes products with Money in the currency’s minor units', async () => {
    const created = await json(
      await api('/api/v1/products', {
        method: 'POST',
        body: JSON.stringify({ handle: 'tea-bowl', title: 'Tea Bowl', price: { amount: '4500', currency: 'JPY' }, url: 'https://shop.example/p/tea-bowl', images: ['https://cdn.example/bowl.jpg'], variants: [{ title: 'Blue', price: { amount: '4800', currency: 'JPY' }, options: { color: 'blue' } }] }),
      }),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ handle: 'tea-bowl', price: { amount: '4500', currency: 'JPY' }, availability: 'in_stock', readOnly: false, source: 'manual', url: 'https://shop.example/p/tea-bowl' });
    expect(created.body.variants[0]).toMatchObject({ title: 'Blue', price: { amount: '4800', currency: 'JPY' }, available: true, options: { color: 'blue' } });

    const dinar = await json(await api('/api/v1/products', { method: 'POST', body: JSON.stringify({ handle: 'dinar-lamp', title: 'Lamp', price: { amount: '12.345', currency: 'KWD' } }) }));
    expect(dinar.body.price).toEqual({ amount: '12.345', currency: 'KWD' });
    const tooPrecise = await json(await api('/api/v1/products', { method: 'POST', body: JSON.stringify({ handle: 'bad-yen', title: 'X', price: { amount: '1.50', currency: 'JPY' } }) }));
    expect(tooPrecise.status).toBe(422);
    expect(tooPrecise.body.errors).toEqual([expect.objectContaining({ path: 'body.price.amount', message: 'JPY has 0 decimal places' })]);
    const duplicate = await json(await api('/api/v1/products', { method: 'POST', body: JSON.stringify({ handle: 'tea-bowl', title: 'Again', price: { amount: '1', currency: 'JPY' } }) }));
    expect(duplicate.status).toBe(409);

    const patched = await json(await api(`/api/v1/products/${created.body.id}`, { method: 'PATCH', body: JSON.stringify({ availability: 'out_of_stock', title: 'Tea Bowl (Raku)' }) }));
    expect(patched.body).toMatchObject({ title: 'Tea Bowl (Raku)', availability: 'out_of_stock', price: { amount: '4500', currency: 'JPY' } });

    const first = await json(await api('/api/v1/products?limit=1'));
    expect(first.body.items.map((p: any) => p.handle)).toEqual(['dinar-lamp']);
    const second = await json(await api(`/api/v1/products?limit=1&cursor=${first.body.nextCursor}`));
    expect(second.body.items.map((p: any) => p.handle)).toEqual(['tea-bowl']);

    expect((await api(`/api/v1/products/${dinar.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/api/v1/products/${dinar.body.id}`)).status).toBe(404);
  });

  it('shows platform-synced products as read-only: 409 problem on change or delete, and import rows for them are errors', async () => {
    const other = await createMerchant(app.application);
    await app.application.repositories.catalog.upsertProducts(other.tenantId, [
      { source: 'shopify', externalId: 'gid://shopify/Product/1', handle: 'synced-tee', title: 'Synced Tee', description: '', priceCents: 2500, currency: 'EUR', url: 'https://store.example/products/synced-tee', tags: [], variants: [] },
    ]);
    const list = await json(await api('/api/v1/products', { token: other.token }));
    const synced = list.body.items[0];
    expect(synced).toMatchObject({ handle: 'synced-tee', readOnly: true, source: 'shopify', externalId: 'gid://shopify/Product/1' });
    for (const init of [{ method: 'PATCH', body: JSON.stringify({ title: 'Hacked' }) }, { method: 'DELETE' }]) {
      const res = await json(await api(`/api/v1/products/${synced.id}`, { ...init, token: other.token }));
      expect(res.status).toBe(409);
      expect(res.type).toMatch(/problem\+json/);
      expect(res.body.detail).toMatch(/synced from shopify/);
    }
    const bulk = await json(await api('/api/v1/products/bulk', { method: 'POST', token: other.token, body: JSON.stringify({ items: [{ handle: 'synced-tee', title: 'Hacked', price: { amount: '1.00', currency: 'EUR' } }] }) }));
    expect(bulk.status).toBe(409);
    const preview = await json(
      await api('/api/v1/products/imports?dryRun=true', { method: 'POST', token: other.token, headers: { 'content-type': 'text/csv' }, body: 'handle,title,price,currency\nsynced-tee,Hacked,1.00,EUR\n' }),
    );
    expect(preview.body.errors).toEqual([{ line: 2, column: 'handle', message: '"synced-tee" is synced from shopify and read-only here' }]);
    expect((await json(await api(`/api/v1/products/${synced.id}`, { token: other.token }))).body.title).toBe('Synced Tee');
  });

  it('previews a CSV import: created / updated / unchanged counts, a sample, and errors by line and column; nothing written', async () => {
    const m = await createMerchant(app.application);
    await api('/api/v1/products/bulk', {
      method: 'POST',
      token: m.token,
      body: JSON.stringify({ items: [{ handle: 'a', title: 'A', price: { amount: '10.00', currency: 'EUR' } }, { handle: 'b', title: 'B', price: { amount: '20.00', currency: 'EUR' } }] }),
    });
    const csv = [
      'handle,title,price,currency,url,size,color',
      'a,A,10.00,EUR,,,',
      'b,B renamed,20.00,EUR,,,',
      'c,C,5.5,EUR,https://shop.example/c,M,red',
      'c,C,5.5,EUR,,L,red',
      'd,D,abc,EUR,,,',
      'e,,3.00,EUR,,,',
      'f,F,3.00,EUR,ftp://nope,,',
      'g,G,3.00,XXX,,,',
    ].join('\r\n');
    const preview = await json(await api('/api/v1/products/imports?dryRun=true', { method: 'POST', token: m.token, headers: { 'content-type': 'text/csv' }, body: csv }));
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body).toMatchObject({ dryRun: true, total: 7, valid: 3, created: 1, updated: 1, unchanged: 1 });
    expect(preview.body.sample).toEqual([
      { line: 2, key: 'a', action: 'unchanged', changes: [] },
      { line: 3, key: 'b', action: 'update', changes: ['title'] },
      { line: 4, key: 'c', action: 'create', changes: [] },
    ]);
    expect(preview.body.errors.map((e: any) => [e.line, e.column])).toEqual([
      [6, 'price'],
      [7, 'title'],
      [8, 'url'],
      [9, 'currency'],
    ]);
    const list = await json(await api('/api/v1/products', { token: m.token }));
    expect(list.body.items.map((p: any) => [p.handle, p.title])).toEqual([
      ['a', 'A'],
      ['b', 'B'],
    ]);
    const unreadable = await json(await api('/api/v1/products/imports?dryRun=true', { method: 'POST', token: m.token, headers: { 'content-type': 'text/csv' }, body: 'title,price\nx,1\n' }));
    expect(unreadable.body.errors).toEqual(expect.arrayContaining([{ line: 1, column: 'handle', message: 'the header has no "handle" column' }]));
  });

  it('imports 10,000 products and an FAQ from CSV with progress, and the shopper then gets answers and real product links', async () => {
    const m = await createMerchant(app.application);
    const { tenancy } = app.application.repositories;
    const bot = await tenancy.createBot(m.tenantId, { name: 'Assistant', allowedOrigins: ['https://plain-site.example'], locale: 'en', timeZone: 'Europe/Berlin', greeting: 'Hi', persona: null });
    const lines = ['handle,title,description,price,currency,url,image_url,availability,tags'];
    for (let i = 0; i < 9_999; i++) lines.push(`item-${i},Gadget ${i},A useful gadget number ${i},${(i % 90) + 10}.99,EUR,https://plain-site.example/shop/item-${i},,in_stock,gadget`);
    lines.push('alpaca-scarf,"Alpaca Scarf, handwoven","Soft alpaca wool scarf, woven in Peru.",59.00,EUR,https://plain-site.example/shop/alpaca-scarf,https://plain-site.example/img/scarf.jpg,in_stock,scarf|wool');
    const queued = await json(await api('/api/v1/products/imports', { method: 'POST', token: m.token, headers: { 'content-type': 'text/csv' }, body: lines.join('\n') }));
    expect(queued.status, JSON.stringify(queued.body)).toBe(202);
    expect(queued.body).toMatchObject({ status: 'queued', total: 10_000, errors: [] });
    const t0 = Date.now();
    const { job, seen } = await waitForImport(`/api/v1/products/imports/${queued.body.id}`, m.token);
    console.info(`10,000-row import applied in ${Date.now() - t0} ms; progress readings: ${seen.join(' ')}`);
    expect(job).toMatchObject({ status: 'done', total: 10_000, processed: 10_000, created: 10_000, updated: 0, unchanged: 0, errors: [] });
    expect(seen.length).toBeGreaterThan(1);
    expect(await app.application.repositories.catalog.countProducts(m.tenantId)).toBe(10_000);

    const faq = await json(
      await api('/api/v1/faq/imports', {
        method: 'POST',
        token: m.token,
        headers: { 'content-type': 'text/csv' },
        body: 'question,answer,locale\n"Do you ship to Switzerland?","Yes, we ship to Switzerland within 5 working days.",en\nWhat is your return policy?,,en\n',
      }),
    );
    expect(faq.status).toBe(202);
    const faqDone = await waitForImport(`/api/v1/faq/imports/${faq.body.id}`, m.token);
    expect(faqDone.job).toMatchObject({ status: 'done', total: 2, created: 1, errors: [{ line: 3, column: 'answer' }] });

    // Re-importing the same file changes nothing.
    const again = await json(await api('/api/v1/products/imports?dryRun=true', { method: 'POST', token: m.token, headers: { 'content-type': 'text/csv' }, body: lines.join('\n') }));
    expect(again.body).toMatchObject({ created: 0, updated: 0, unchanged: 10_000 });

    const widget = new WidgetClient(app.url, 'https://plain-site.example');
    await widget.start(bot.public_key);
    const stream = widget.stream();
    await stream.opened();
    await widget.send('Do you have an alpaca scarf?');
    let events = await stream.until((es) => completed(es).length === 1);
    const answer = completed(events)[0]!;
    expect(answer.data.text).toContain('Alpaca Scarf');
    expect(answer.data.cards).toEqual([expect.objectContaining({ type: 'product', url: 'https://plain-site.example/shop/alpaca-scarf', price: { amount: '59.00', currency: 'EUR' } })]);
    await widget.send('Do you ship to Switzerland?');
    events = await stream.until((es) => completed(es).length === 2);
    expect(completed(events)[1]!.data.text).toContain('within 5 working days');
    await stream.close();
  }, 180_000);
});
