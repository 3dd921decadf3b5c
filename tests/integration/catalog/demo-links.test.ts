import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PRODUCTS } from '../../../core/demo/catalog.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';

/** Issue #18: "View product" on the demo store opened /products/<handle>, which nobody served. */
describe('demo store product links', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ DEMO_SEED: 'true' });
  });
  afterAll(() => app.stop());

  it('stores absolute product URLs on the server’s own origin, and every one of them serves the product page', async () => {
    const tenantId = app.application.demo!.tenantId;
    const { items } = await app.application.catalog.service.listProducts(tenantId, { limit: 200 });
    expect(items).toHaveLength(DEMO_PRODUCTS.length);
    const publicOrigin = new URL(app.application.config.http.publicUrl).origin;
    for (const product of items) {
      const url = new URL(product.url!);
      expect(url.origin).toBe(publicOrigin);
      // The test server listens on a port of its own; the path is what the demo store must serve.
      const res = await fetch(`${app.url}${url.pathname}`);
      expect(res.status, url.pathname).toBe(200);
      const page = await res.text();
      expect(page).toContain(product.title.replace(/&/g, '&amp;'));
    }
    expect((await fetch(`${app.url}/products/no-such-thing`)).status).toBe(404);
  });
});
