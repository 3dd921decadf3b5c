import type { Express } from 'express';
import type { Database } from '../db/database.ts';
import type { HttpModule } from '../http/app.ts';
import { html, raw } from '../http/html.ts';
import type { TenancyRepository } from '../tenancy/index.ts';
import { DEMO_PRODUCTS, DEMO_STORE } from './catalog.ts';

export interface DemoHttpDeps {
  db: Database;
  tenancy: TenancyRepository;
  /** PUBLIC_URL: the widget URL comes from configuration, never from the request's Host header. */
  publicUrl: string;
  /** The script-tag plugin's embed: the snippet a plain-site owner pastes. */
  snippet(botKey: string, widgetUrl: string): string;
}

const euro = (cents: number) => new Intl.NumberFormat('en', { style: 'currency', currency: DEMO_STORE.currency }).format(cents / 100);

/** The demo storefront at `/`: a plain page carrying the script-tag snippet, like any merchant's site. */
export function demoHttpModule(deps: DemoHttpDeps): HttpModule {
  let botKey: string | undefined;
  async function demoBotKey(): Promise<string | undefined> {
    if (botKey) return botKey;
    const tenant = await deps.db.system((trx) => trx('tenants').where({ name: DEMO_STORE.name }).orderBy('created_at').first('id'));
    if (!tenant) return undefined;
    botKey = (await deps.tenancy.listBots(tenant.id))[0]?.public_key;
    return botKey;
  }

  return {
    name: 'demo',
    mount(app: Express) {
      app.get('/', async (_req, res, next) => {
        try {
          const key = await demoBotKey();
          const cards = DEMO_PRODUCTS.map(
            (p) =>
              html`<li class="card"><h3><a href="/products/${encodeURIComponent(p.handle)}">${p.title}</a></h3><p>${p.description}</p><p class="price">${euro(p.priceCents)}</p></li>`,
          );
          res.type('html').send(String(html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${DEMO_STORE.name} — Concierge demo</title><link rel="stylesheet" href="/demo/demo.css"></head>
<body><header><h1>${DEMO_STORE.name}</h1><p>${DEMO_STORE.tagline}</p>
<p class="note">This is a demo storefront. The assistant in the corner is Concierge, added with one script tag.
Merchant API: <a href="/api/docs">/api/docs</a></p></header>
<main><ul class="grid">${cards}</ul></main>
${key ? raw(deps.snippet(key, `${deps.publicUrl}/widget.js`)) : raw('<!-- no demo bot: the database was not seeded with the demo store -->')}
</body></html>`));
        } catch (error) {
          next(error);
        }
      });
      // The demo store's product pages: what the assistant's "View product" cards open.
      app.get('/products/:handle', async (req, res, next) => {
        try {
          const product = DEMO_PRODUCTS.find((p) => p.handle === req.params.handle);
          if (!product) {
            res.status(404).type('html').send('<!doctype html><title>Not found</title><p>No such product.</p>');
            return;
          }
          const key = await demoBotKey();
          const origin = `${req.protocol}://${req.get('host')}`;
          const variants = (product.variants ?? []).map((v) => html`<li>${v.title} — ${euro(v.priceCents)}${v.available ? '' : ' (sold out)'}</li>`);
          res.type('html').send(String(html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${product.title} — ${DEMO_STORE.name}</title><link rel="stylesheet" href="/demo/demo.css"></head>
<body><header><p><a href="/">${DEMO_STORE.name}</a></p><h1>${product.title}</h1></header>
<main class="product"><p>${product.description}</p><p class="price">${euro(product.priceCents)}</p>${variants.length ? html`<ul>${variants}</ul>` : ''}</main>
${key ? raw(deps.snippet(key, `${origin}/widget.js`)) : ''}
</body></html>`));
        } catch (error) {
          next(error);
        }
      });
      app.get('/demo/demo.css', (_req, res) => {
        res.type('text/css').send(`body{font-family:system-ui,sans-serif;margin:0;color:#1f2937;background:#faf9f7}
header{padding:2rem;background:#1f2937;color:#fff}header a{color:#c4b5fd}.note{font-size:.9rem;opacity:.85}
.grid{list-style:none;display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:1rem;padding:2rem;margin:0}
.card{background:#fff;border-radius:12px;padding:1rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}.card h3{margin:.2rem 0}
.card p{font-size:.9rem;line-height:1.4}.price{font-weight:700}.card h3 a{color:inherit}.product{padding:2rem;max-width:40rem}`);
      });
    },
  };
}
