import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMoney } from '../../../core/wire/money.ts';
import { PlatformProducts } from '../../../core/catalog/platform-products.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createMerchant, type TestMerchant } from '../../helpers/merchant.ts';
import { completed, createStore, STORE_ORIGIN, WidgetClient, type TestStore } from '../chat/helpers.ts';

/**
 * Money keeps the currency's own exponent end to end (issue 16): a yen price is "1200" in the API,
 * in the database, in the chat card and in the assistant's words — ¥1,200, never ¥12.00 or ¥120,000.
 */
describe('money in currencies without cents', () => {
  let app: TestApp;
  let store: TestStore;
  let owner: TestMerchant;
  const api = (path: string, init: RequestInit = {}) => fetch(`${app.url}${path}`, { ...init, headers: owner.headers });

  beforeAll(async () => {
    app = await startTestApp();
    store = await createStore(app.application, { name: 'Kyoto Ceramics' });
    owner = await createMerchant(app.application, { tenantId: store.tenantId });
  });
  afterAll(() => app.stop());

  it('shows a JPY product as ¥1,200 through the merchant API, the chat card and the assistant’s answer', async () => {
    const created = await api('/api/v1/products', { method: 'POST', body: JSON.stringify({ handle: 'raku-bowl', title: 'Raku tea bowl', description: 'Hand-thrown raku tea bowl.', url: 'https://shop.example/p/raku-bowl', price: { amount: '1200', currency: 'JPY' } }) });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { price: unknown }).price).toEqual({ amount: '1200', currency: 'JPY' });

    const widget = new WidgetClient(app.url, STORE_ORIGIN);
    await widget.start(store.botKey);
    const stream = widget.stream();
    await stream.opened();
    await widget.send('Do you have a raku tea bowl?');
    const events = await stream.until((es) => completed(es).length === 1);
    await stream.close();
    const answer = completed(events)[0]!;
    const card = (answer.data.cards as { type: string; price?: { amount: string; currency: string } }[]).find((c) => c.type === 'product');
    expect(card?.price).toEqual({ amount: '1200', currency: 'JPY' });
    expect(formatMoney(card!.price!, 'en')).toBe('¥1,200');
    expect(String(answer.data.text)).toContain('¥1,200');
    expect(String(answer.data.text)).not.toMatch(/¥\s?12\.00|¥\s?120,000/);
  });

  it('stores a platform’s yen, dinar and euro prices in their own minor units, rounding only past the exponent', async () => {
    const platform = new PlatformProducts(app.application.db);
    const installationId = '00000000-0000-4000-8000-000000000001';
    const product = (handle: string, amount: string, currency: string) => ({ externalId: handle, handle, title: handle, description: '', price: { amount, currency }, tags: [], variants: [] });
    await platform.upsert(store.tenantId, { source: 'fake', installationId, products: [product('yen-cup', '1200.00', 'JPY'), product('dinar-pot', '1.5', 'KWD'), product('euro-jug', '19.995', 'EUR')] });
    const list = (await (await api('/api/v1/products?limit=50')).json()) as { items: { handle: string; price: unknown }[] };
    const prices = Object.fromEntries(list.items.map((p) => [p.handle, p.price]));
    expect(prices).toMatchObject({
      'yen-cup': { amount: '1200', currency: 'JPY' },
      'dinar-pot': { amount: '1.500', currency: 'KWD' },
      'euro-jug': { amount: '20.00', currency: 'EUR' },
    });
  });

  it('prices a JPY booking service in yen', async () => {
    const res = await api('/api/v1/services', { method: 'POST', body: JSON.stringify({ name: 'Tea ceremony', durationMinutes: 60, price: { amount: '5000', currency: 'JPY' } }) });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { price: unknown }).price).toEqual({ amount: '5000', currency: 'JPY' });
    const fractional = await api('/api/v1/services', { method: 'POST', body: JSON.stringify({ name: 'Half yen', durationMinutes: 60, price: { amount: '50.5', currency: 'JPY' } }) });
    expect(fractional.status).toBe(422);
  });
});
