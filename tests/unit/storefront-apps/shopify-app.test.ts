/**
 * storefront-apps/shopify: the app configuration says what the plugin expects, the theme app
 * extension passes Shopify's own theme-check (offline, with the docs bundled in the package),
 * and the app embed block renders a safe, async script tag (rendered with liquidjs).
 */
import os from 'node:os';
import path from 'node:path';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Liquid, Tag, type TagToken, type TopLevelToken, type Liquid as LiquidEngine } from 'liquidjs';
import { parse as parseToml } from 'smol-toml';
import { Window } from 'happy-dom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../storefront-apps/shopify');
const extensionDir = path.join(appDir, 'extensions/concierge-embed');
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'concierge-theme-check-'));
  // Offline: theme-check would fetch the latest Liquid docs; a file: root that does not exist
  // makes it fall back to the docs bundled in @shopify/theme-check-docs-updater, and the cache
  // goes to a temp dir instead of ~/.cache.
  process.env.SHOPIFY_TLD_ROOT = path.join(tmp, 'no-theme-liquid-docs');
  process.env.XDG_CACHE_HOME = path.join(tmp, 'cache');
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function themeCheck(root: string) {
  const { themeCheckRun } = await import('@shopify/theme-check-node');
  const log: string[] = [];
  const run = await themeCheckRun(root, undefined, (m) => log.push(m));
  return { run, log };
}

describe('theme app extension', () => {
  it('passes theme-check (theme-app-extension config) with zero offenses, without the network', async () => {
    const { run, log } = await themeCheck(extensionDir);
    expect(run.theme.map((f) => path.relative(extensionDir, fileURLToPath(f.uri))).sort()).toEqual([
      'blocks/concierge.liquid',
      'locales/de.json',
      'locales/de.schema.json',
      'locales/en.default.json',
      'locales/en.default.schema.json',
    ]);
    expect(run.config.context).toBe('app');
    expect(run.offenses.map((o) => `${o.check}: ${o.message}`)).toEqual([]);
    expect(log.some((l) => /https?:\/\//.test(l) && /Successfully downloaded/.test(l))).toBe(false);
  });

  it('theme-check does flag a block that breaks the rules (the check really runs)', async () => {
    const broken = path.join(tmp, 'broken');
    await cp(extensionDir, broken, { recursive: true });
    const file = path.join(broken, 'blocks/concierge.liquid');
    const source = await readFile(file, 'utf8');
    await writeFile(file, source.replace(/\n\s*async\n/, '\n').replace('{%- endif -%}', '{%- endif -%}{% javascript %}alert(1){% endjavascript %}'));
    const { run } = await themeCheck(broken);
    const checks = run.offenses.map((o) => o.check);
    expect(checks).toContain('ParserBlockingScript');
    expect(checks).toContain('AppBlockValidTags');
  });
});

class SchemaTag extends Tag {
  constructor(token: TagToken, remain: TopLevelToken[], liquid: LiquidEngine) {
    super(token, remain, liquid);
    // Drop everything up to {% endschema %}: Shopify reads the schema, it is never rendered.
    while (remain.length > 0) {
      const t = remain.shift()!;
      if ((t as TagToken).name === 'endschema') return;
    }
    throw new Error('{% schema %} without {% endschema %}');
  }
  *render(): Generator<unknown, void, unknown> {}
}

async function renderBlock(settings: Record<string, string>, locale = 'de') {
  const liquid = new Liquid({ strictFilters: true });
  liquid.registerTag('schema', SchemaTag);
  const strings = JSON.parse(await readFile(path.join(extensionDir, locale === 'de' ? 'locales/de.json' : 'locales/en.default.json'), 'utf8'));
  liquid.registerFilter('t', (key: string) => key.split('.').reduce((o: any, k) => o?.[k], strings) ?? `translation missing: ${key}`);
  const template = await readFile(path.join(extensionDir, 'blocks/concierge.liquid'), 'utf8');
  const html = await liquid.parseAndRender(template, {
    block: { settings: { bot_key: '', server_url: '', position: 'right', accent_color: '#1f4f8f', ...settings } },
    request: { locale: { iso_code: locale } },
    shop: { permanent_domain: 'acme.myshopify.com' },
  });
  const window = new Window();
  window.document.body.innerHTML = html;
  const scripts = [...window.document.querySelectorAll('script')];
  return { html, scripts };
}

describe('app embed block (liquidjs)', () => {
  it('renders one async script tag with the bot key, locale and merchant settings', async () => {
    const { scripts } = await renderBlock({ bot_key: 'pk_live_abc', server_url: 'https://chat.example.com/', position: 'left', accent_color: '#ff0066' });
    expect(scripts).toHaveLength(1);
    const s = scripts[0]!;
    expect(s.getAttribute('src')).toBe('https://chat.example.com/widget.js');
    expect(s.hasAttribute('async')).toBe(true);
    expect(s.getAttribute('data-bot')).toBe('pk_live_abc');
    expect(s.getAttribute('data-locale')).toBe('de');
    expect(s.getAttribute('data-position')).toBe('left');
    expect(s.getAttribute('data-accent')).toBe('#ff0066');
    expect(s.getAttribute('data-shop')).toBe('acme.myshopify.com');
    expect(s.getAttribute('data-app-proxy')).toBe('/apps/concierge');
    expect(s.getAttribute('data-label')).toBe('Mit unserem Shop-Assistenten chatten');
    expect(s.textContent).toBe('');
  });

  it('escapes a hostile setting into a plain attribute value', async () => {
    const hostile = '"><script>alert(1)</script><x y="';
    const { html, scripts } = await renderBlock({ bot_key: hostile, server_url: 'https://chat.example.com', accent_color: "red' onload='alert(2)" });
    expect(scripts).toHaveLength(1);
    expect(scripts[0]!.getAttribute('data-bot')).toBe(hostile);
    expect(scripts[0]!.getAttribute('data-accent')).toBe("red' onload='alert(2)");
    expect(scripts[0]!.hasAttribute('onload')).toBe(false);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&gt;&lt;script&gt;alert(1)');
  });

  it('renders nothing without a bot key or with a server URL that is not https', async () => {
    expect((await renderBlock({ bot_key: '', server_url: 'https://chat.example.com' })).scripts).toHaveLength(0);
    expect((await renderBlock({ bot_key: 'pk', server_url: 'javascript:alert(1)//' })).scripts).toHaveLength(0);
    expect((await renderBlock({ bot_key: 'pk', server_url: 'http://chat.example.com' })).scripts).toHaveLength(0);
  });
});

describe('shopify.app.toml', () => {
  it('declares scopes, the webhook topics incl. compliance, redirect URL and app proxy the plugin serves', async () => {
    const toml = parseToml(await readFile(path.join(appDir, 'shopify.app.toml'), 'utf8')) as any;
    expect(toml.embedded).toBe(true);
    expect(toml.access_scopes.scopes).toBe('read_products,read_orders,read_customers');
    expect(new URL(toml.application_url).pathname).toBe('/plugins/shopify/install');
    expect(toml.auth.redirect_urls.map((u: string) => new URL(u).pathname)).toEqual(['/plugins/shopify/auth/callback']);
    expect(toml.webhooks.api_version).toBe('2025-10');
    const subs = toml.webhooks.subscriptions as { topics?: string[]; compliance_topics?: string[]; uri: string }[];
    expect(subs.flatMap((s) => s.topics ?? []).sort()).toEqual(['app/uninstalled', 'orders/create', 'orders/updated', 'products/create', 'products/delete', 'products/update']);
    expect(subs.flatMap((s) => s.compliance_topics ?? []).sort()).toEqual(['customers/data_request', 'customers/redact', 'shop/redact']);
    for (const s of subs) expect(new URL(s.uri).pathname).toBe('/webhooks/shopify');
    expect(toml.app_proxy).toEqual({ url: expect.stringMatching(/^https:\/\/[^/]+\/plugins\/shopify\/proxy$/), subpath: 'concierge', prefix: 'apps' });
    const ext = parseToml(await readFile(path.join(extensionDir, 'shopify.extension.toml'), 'utf8')) as any;
    expect(ext.type).toBe('theme');
  });
});
