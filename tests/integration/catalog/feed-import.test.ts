import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeFeedServer, type FakeFeedServer } from '../../fakes/product-feed.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createMerchant, type TestMerchant } from '../../helpers/merchant.ts';

/** Issue #18 (optional part): products from a Google Merchant feed at a URL the merchant gives. */
const item = (fields: Record<string, string | string[]>) =>
  `    <item>\n${Object.entries(fields)
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `      <${k}>${x}</${k}>`))
    .join('\n')}\n    </item>`;
const rss = (items: string[]) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">\n  <channel>\n    <title>Shop</title>\n${items.join('\n')}\n  </channel>\n</rss>\n`;

const FEED = rss([
  item({ 'g:id': 'RS-100', 'g:title': 'Waterproof Rain Shell', 'g:description': 'Taped seams &amp; a hood.', 'g:link': 'https://shop.example/products/rain-shell', 'g:image_link': 'https://shop.example/img/rs.jpg', 'g:additional_image_link': ['https://shop.example/img/rs-2.jpg'], 'g:price': '129.00 EUR', 'g:availability': 'in stock', 'g:product_type': 'Apparel &gt; Jackets', 'g:brand': 'Nordwand' }),
  item({ 'g:id': 'TEE-S', 'g:item_group_id': 'merino-tee', 'g:title': 'Merino Tee', 'g:link': 'https://shop.example/products/merino-tee', 'g:price': '49.00 EUR', 'g:availability': 'in stock', 'g:size': 'S' }),
  item({ 'g:id': 'TEE-L', 'g:item_group_id': 'merino-tee', 'g:title': 'Merino Tee', 'g:link': 'https://shop.example/products/merino-tee', 'g:price': '49.00 EUR', 'g:availability': 'out of stock', 'g:size': 'L' }),
  item({ 'g:id': 'BAD-1', 'g:title': 'Broken price', 'g:link': 'https://shop.example/products/bad', 'g:price': 'cheap' }),
  item({ 'g:title': 'No id at all', 'g:price': '1.00 EUR' }),
]);

describe('product feed import', () => {
  let app: TestApp;
  let owner: TestMerchant;
  let feeds: FakeFeedServer;
  const api = (path: string, init: RequestInit = {}) => fetch(`${app.url}${path}`, { ...init, headers: { ...owner.headers, 'content-type': 'application/json' } });
  const importFeed = async (url: string, dryRun = false) => {
    const res = await api(`/api/v1/products/imports/feed${dryRun ? '?dryRun=true' : ''}`, { method: 'POST', body: JSON.stringify({ url }) });
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as any };
  };

  beforeAll(async () => {
    feeds = await startFakeFeedServer();
    app = await startTestApp({}, { catalog: { worker: { pollMs: 200 }, feed: { allowLoopback: true, timeoutMs: 1_000, maxBytes: 200_000 } } });
    owner = await createMerchant(app.application);
    feeds.setPage('/google.xml', { body: FEED });
    feeds.setPage('/moved', { location: '/google.xml', status: 301 });
    feeds.setPage('/to-metadata', { location: 'http://169.254.169.254/latest/meta-data/' });
    feeds.setPage('/to-private', { location: 'http://10.0.0.7/feed.xml' });
    feeds.setPage('/loop', { location: '/loop' });
    feeds.setPage('/hangs', { hang: true });
    feeds.setPage('/huge', { streamBytes: 1_000_000 });
    feeds.setPage('/sitemap.xml', { type: 'application/xml', body: '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://shop.example/</loc></url></urlset>' });
  });
  afterAll(async () => {
    await app?.stop();
    await feeds?.close();
  });

  it('previews, then imports with progress: products, variants by item group, prices as Money, row errors by line and g: field', async () => {
    const preview = await importFeed(`${feeds.url}/moved`, true); // a redirect to the feed is followed
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body).toMatchObject({ dryRun: true, total: 4, valid: 2, created: 2, updated: 0, unchanged: 0 });
    const lines = FEED.split('\n');
    const lineOf = (text: string) => lines.findIndex((l) => l.includes(text)) + 1;
    const itemLine = (text: string) => {
      let n = lineOf(text);
      while (!lines[n - 1]!.includes('<item>')) n--;
      return n;
    };
    expect(preview.body.errors).toEqual([
      { line: itemLine('BAD-1'), column: 'g:price', message: 'must be an amount and a currency such as "129.00 EUR"' },
      { line: itemLine('No id at all'), column: 'g:id', message: 'is missing' },
    ]);
    expect((await (await api('/api/v1/products?limit=50')).json()).items).toEqual([]); // a preview writes nothing

    const queued = await importFeed(`${feeds.url}/google.xml`);
    expect(queued.status).toBe(202);
    let job = queued.body;
    for (let i = 0; i < 100 && job.status !== 'done' && job.status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = await (await api(`/api/v1/products/imports/${queued.body.id}`)).json();
    }
    expect(job).toMatchObject({ status: 'done', total: 4, created: 2 });
    expect(job.errors.map((e: { column: string }) => e.column)).toEqual(['g:price', 'g:id']);

    const products = (await (await api('/api/v1/products?limit=50')).json()).items as any[];
    const shell = products.find((p) => p.handle === 'RS-100');
    expect(shell).toMatchObject({
      title: 'Waterproof Rain Shell',
      description: 'Taped seams & a hood.',
      url: 'https://shop.example/products/rain-shell',
      price: { amount: '129.00', currency: 'EUR' },
      images: ['https://shop.example/img/rs.jpg', 'https://shop.example/img/rs-2.jpg'],
      availability: 'in_stock',
      tags: ['Apparel', 'Jackets', 'Nordwand'],
    });
    const tee = products.find((p) => p.handle === 'merino-tee');
    expect(tee.variants.map((v: any) => [v.sku, v.options?.size, v.available])).toEqual([
      ['TEE-S', 'S', true],
      ['TEE-L', 'L', false],
    ]);
  });

  it('refuses what it must not fetch, with a 422 that says why, and never follows a redirect inside the network', async () => {
    const cases: [string, RegExp][] = [
      ['ftp://shop.example/feed.xml', /must be http or https/],
      ['not a url', /not an absolute URL/],
      [`${feeds.url}/to-metadata`, /169\.254\.169\.254, a private or reserved address/],
      [`${feeds.url}/to-private`, /10\.0\.0\.7, a private or reserved address/],
      [`${feeds.url}/loop`, /more than 5 redirects/],
      [`${feeds.url}/hangs`, /timed out/],
      [`${feeds.url}/huge`, /larger than 200000 bytes/],
      [`${feeds.url}/missing.xml`, /answered HTTP 404/],
    ];
    for (const [url, reason] of cases) {
      const res = await importFeed(url);
      expect(res.status, url).toBe(422);
      expect(res.type).toMatch(/application\/problem\+json/);
      expect(res.body.errors, url).toEqual([{ path: 'url', message: expect.stringMatching(reason) }]);
    }
    const sitemap = await importFeed(`${feeds.url}/sitemap.xml`, true);
    expect(sitemap.status).toBe(200);
    expect(sitemap.body.errors[0].message).toMatch(/this is a sitemap/);
    expect(feeds.hits.get('/to-metadata')).toBe(1);
  });

  it('the feed import needs catalog:write, and rows land in the caller\'s store only', async () => {
    const agent = await createMerchant(app.application, { tenantId: owner.tenantId, role: 'agent' });
    const refused = await fetch(`${app.url}/api/v1/products/imports/feed`, { method: 'POST', headers: { ...agent.headers, 'content-type': 'application/json' }, body: JSON.stringify({ url: `${feeds.url}/google.xml` }) });
    expect(refused.status).toBe(403);
    const other = await createMerchant(app.application);
    const theirs = await fetch(`${app.url}/api/v1/products?limit=50`, { headers: other.headers });
    expect((await theirs.json()).items).toEqual([]);
  });
});
