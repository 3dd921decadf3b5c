import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createMerchant, type TestMerchant } from '../../helpers/merchant.ts';

/** The dashboard's knowledge test box (issue 12): POST /api/v1/knowledge/test. */
describe('knowledge test API', () => {
  let app: TestApp;
  let owner: TestMerchant;
  let agent: TestMerchant;
  let other: TestMerchant;
  const ask = async (merchant: TestMerchant | null, body: unknown) => {
    const res = await fetch(`${app.url}/api/v1/knowledge/test`, {
      method: 'POST',
      headers: merchant ? merchant.headers : { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as any };
  };

  beforeAll(async () => {
    app = await startTestApp();
    owner = await createMerchant(app.application);
    agent = await createMerchant(app.application, { tenantId: owner.tenantId, role: 'agent' });
    other = await createMerchant(app.application);
    const post = (m: TestMerchant, path: string, body: unknown) => fetch(`${app.url}${path}`, { method: 'POST', headers: m.headers, body: JSON.stringify(body) });
    expect((await post(owner, '/api/v1/products', { handle: 'tea-bowl', title: 'Celadon Tea Bowl', price: { amount: '4500', currency: 'JPY' }, description: 'A hand-thrown celadon bowl.' })).status).toBe(201);
    expect((await post(owner, '/api/v1/products', { handle: 'linen-shirt', title: 'Linen Shirt', price: { amount: '59.00', currency: 'EUR' } })).status).toBe(201);
    expect((await post(owner, '/api/v1/faq', { question: 'Can I wash the tea bowl in a dishwasher?', answer: '<p>No: <b>by hand</b>, please.</p>', locale: 'en' })).status).toBe(201);
    expect((await post(other, '/api/v1/faq', { question: 'Do you sell a tea bowl?', answer: 'Not this store.', locale: 'en' })).status).toBe(201);
  });
  afterAll(() => app?.stop());

  it("returns the store's products and FAQ the assistant's search finds, best first, for any member", async () => {
    const res = await ask(agent, { question: '  tea bowl  ' });
    expect(res.status).toBe(200);
    expect(res.body.question).toBe('tea bowl');
    expect(res.body.products).toEqual([{ id: expect.any(String), title: 'Celadon Tea Bowl', price: { amount: '4500', currency: 'JPY' }, url: null }]);
    expect(res.body.faq).toEqual([{ id: expect.any(String), question: 'Can I wash the tea bowl in a dishwasher?', answer: 'No: by hand , please.' }]);
  });

  it('stays inside the tenant, and answers an unmatched question with empty lists', async () => {
    const res = await ask(other, { question: 'celadon tea bowl' });
    expect(res.status).toBe(200);
    expect(res.body.products).toEqual([]);
    expect(res.body.faq.map((f: { question: string }) => f.question)).toEqual(['Do you sell a tea bowl?']);
    expect((await ask(owner, { question: 'submarine' })).body).toEqual({ question: 'submarine', products: [], faq: [] });
  });

  it('refuses bad input and missing auth with problem+json', async () => {
    for (const body of [{ question: '   ' }, {}, { question: 'x'.repeat(501) }, { question: 'tea', extra: 1 }]) {
      const res = await ask(owner, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.type).toContain('application/problem+json');
    }
    const anonymous = await ask(null, { question: 'tea' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.type).toContain('application/problem+json');
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${app.url}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(doc.paths['/api/v1/knowledge/test']?.post).toBeDefined();
  });
});
