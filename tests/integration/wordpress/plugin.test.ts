// The Concierge WordPress plugin in Debian's real WordPress (PHP built-in server + MariaDB):
// loader on the storefront only, the settings page with its nonce, verified identity, lifecycle.
import { createHmac } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phpLint, startWordPress, type AdminSession, type WordPressSite } from '../../helpers/wordpress.ts';

const PLUGIN_DIR = path.resolve('storefront-apps/woocommerce/concierge');
const SERVER = 'http://127.0.0.1:9';
const BOT_KEY = 'bot_Wp7test_KEY_123';
const IDENTITY_SECRET = 'bis_identity-secret-for-tests-0123456789';
const WOO_STUB = "<?php\n// Test stand-in: WooCommerce is not packaged for Debian; its main class is what the plugin checks.\nif ( ! class_exists( 'WooCommerce' ) ) { final class WooCommerce {} }\n";

let wp: WordPressSite;
let admin: AdminSession;

beforeAll(async () => {
  wp = await startWordPress({
    plugins: { concierge: PLUGIN_DIR },
    activate: ['concierge/concierge.php'],
    options: { concierge_server_url: SERVER, concierge_bot_key: BOT_KEY },
  });
  admin = await wp.login();
}, 120_000);
afterAll(async () => {
  await wp?.close();
});

async function phpFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await phpFiles(full)));
    else if (entry.name.endsWith('.php')) out.push(full);
  }
  return out;
}

const loaderTags = (html: string) => html.match(/<script\b[^>]*\/widget\.js[^>]*>/g) ?? [];
const option = async (name: string) => (await wp.php(`echo wp_json_encode( get_option( '${name}', null ), JSON_UNESCAPED_SLASHES );`)).trim();

async function settingsForm(): Promise<{ html: string; nonce: string; referer: string }> {
  const res = await admin.fetch('/wp-admin/options-general.php?page=concierge');
  expect(res.status).toBe(200);
  const html = await res.text();
  const nonce = /name="_wpnonce" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const referer = /name="_wp_http_referer" value="([^"]+)"/.exec(html)?.[1] ?? '';
  return { html, nonce, referer };
}

function saveSettings(fields: Record<string, string>) {
  return admin.fetch('/wp-admin/options.php', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ option_page: 'concierge', action: 'update', ...fields }),
  });
}

describe('the plugin files', () => {
  it('pass php -l and carry the plugin directory headers', async () => {
    const files = await phpFiles(PLUGIN_DIR);
    expect(files.map((f) => path.relative(PLUGIN_DIR, f))).toEqual(expect.arrayContaining(['concierge.php', 'uninstall.php', 'includes/class-concierge-settings.php']));
    for (const file of files) expect(await phpLint(file)).toMatch(/^No syntax errors detected/);
    const main = await readFile(path.join(PLUGIN_DIR, 'concierge.php'), 'utf8');
    for (const header of ['Plugin Name: +Concierge', 'Text Domain: +concierge', 'Requires at least: +6.1', 'Requires PHP: +8.1', 'License: +GPL-2.0-or-later']) expect(main).toMatch(new RegExp(header));
    const version = /Version: +(\S+)/.exec(main)?.[1];
    const readme = await readFile(path.join(PLUGIN_DIR, 'readme.txt'), 'utf8');
    expect(readme).toMatch(/^=== Concierge ===/);
    expect(readme).toContain(`Stable tag: ${version}`);
    expect(await readFile(path.join(PLUGIN_DIR, 'uninstall.php'), 'utf8')).toContain("defined( 'WP_UNINSTALL_PLUGIN' ) || exit;");
    for (const file of files.filter((f) => !/(uninstall|index)\.php$/.test(f))) expect(await readFile(file, 'utf8')).toContain("defined( 'ABSPATH' ) || exit;");
    expect(await wp.php("echo is_plugin_active( 'concierge/concierge.php' ) ? 'active' : 'inactive';")).toBe('active');
  });
});

describe('the storefront', () => {
  it('carries exactly one async loader in the footer with the bot key and the site language', async () => {
    const html = await (await fetch(`${wp.url}/`)).text();
    const tags = loaderTags(html);
    expect(tags).toHaveLength(1);
    const tag = tags[0]!;
    expect(tag).toContain(`src='${SERVER}/widget.js'`); // no ?ver=: the server owns caching
    expect(tag).toContain(`data-bot="${BOT_KEY}"`);
    expect(tag).toContain('data-locale="en-US"');
    expect(tag).toMatch(/\sasync[\s>]/); // WordPress 6.1: added through script_loader_tag
    expect(html.indexOf(tag)).toBeGreaterThan(html.indexOf('<!-- concierge-test:footer -->'));
    expect(html).not.toContain('identify.js'); // guests carry no identity
    // The same on a single post page.
    const post = await (await fetch(`${wp.url}/?p=1`)).text();
    expect(loaderTags(post)).toHaveLength(1);
  });

  it('never loads on admin pages', async () => {
    for (const page of ['/wp-admin/', '/wp-admin/options-general.php?page=concierge', '/wp-admin/plugins.php']) {
      const res = await admin.fetch(page);
      expect(res.status, page).toBe(200);
      const html = await res.text();
      expect(html).toContain('wpadminbar');
      expect(loaderTags(html), page).toEqual([]);
    }
  });

  it('loads nothing until a bot key is set', async () => {
    await wp.php("update_option( 'concierge_bot_key', '' );");
    try {
      expect(loaderTags(await (await fetch(`${wp.url}/`)).text())).toEqual([]);
    } finally {
      await wp.php(`update_option( 'concierge_bot_key', '${BOT_KEY}' );`);
    }
    expect(loaderTags(await (await fetch(`${wp.url}/`)).text())).toHaveLength(1);
  });
});

describe('the settings page', () => {
  it('shows the bot key path on a plain WordPress site and Connect when WooCommerce is active', async () => {
    const plain = await settingsForm();
    expect(plain.html).toContain('data-mode="wordpress"');
    expect(plain.html).toContain('name="concierge_bot_key"');
    expect(plain.html).not.toContain('id="concierge-connect"');
    await wp.muPlugin('woocommerce-stub.php', WOO_STUB);
    try {
      const woo = await settingsForm();
      expect(woo.html).toContain('data-mode="woocommerce"');
      const href = /id="concierge-connect" href="([^"]+)"/.exec(woo.html)?.[1]?.replace(/&#038;/g, '&');
      expect(href).toBeDefined();
      const url = new URL(href!);
      expect(`${url.origin}${url.pathname}`).toBe(`${SERVER}/plugins/woocommerce/connect`);
      expect(url.searchParams.get('site')).toBe(`${wp.url}/`);
      expect(url.searchParams.get('return')).toBe(`${wp.url}/wp-admin/options-general.php?page=concierge`);
      // WordPress's default "Plain" permalinks: the link says so (Concierge then uses wc-auth's and the REST API's query forms).
      expect(url.searchParams.get('permalinks')).toBe('plain');
      await wp.php("update_option( 'permalink_structure', '/%postname%/' );");
      const pretty = new URL(/id="concierge-connect" href="([^"]+)"/.exec((await settingsForm()).html)![1]!.replace(/&#038;/g, '&'));
      expect(pretty.searchParams.has('permalinks')).toBe(false);
    } finally {
      await wp.php("update_option( 'permalink_structure', '' );");
      await wp.muPlugin('woocommerce-stub.php', null);
    }
  });

  it('saves with a valid nonce and refuses without one (nothing changed)', async () => {
    const form = await settingsForm();
    expect(form.nonce).toMatch(/^[0-9a-f]{10}$/);
    const missing = await saveSettings({ _wp_http_referer: form.referer, concierge_server_url: 'https://evil.example', concierge_bot_key: 'bot_evil_key_0001' });
    expect(missing.status).toBe(403);
    const forged = await saveSettings({ _wpnonce: 'abcdef0123', _wp_http_referer: form.referer, concierge_server_url: 'https://evil.example', concierge_bot_key: 'bot_evil_key_0001' });
    expect(forged.status).toBe(403);
    expect(await option('concierge_server_url')).toBe(JSON.stringify(SERVER));
    expect(await option('concierge_bot_key')).toBe(JSON.stringify(BOT_KEY));

    const saved = await saveSettings({ _wpnonce: form.nonce, _wp_http_referer: form.referer, concierge_server_url: 'https://concierge.example/', concierge_bot_key: 'bot_saved_key_0002', concierge_identity_secret: '', concierge_api_key: '' });
    expect(saved.status).toBe(302);
    expect(saved.headers.get('location')).toContain('settings-updated=true');
    expect(await option('concierge_server_url')).toBe(JSON.stringify('https://concierge.example'));
    expect(await option('concierge_bot_key')).toBe(JSON.stringify('bot_saved_key_0002'));

    // A non-http(s) server URL and a malformed key are refused; the stored values stay.
    const again = await settingsForm();
    const refused = await saveSettings({ _wpnonce: again.nonce, _wp_http_referer: again.referer, concierge_server_url: 'javascript:alert(1)', concierge_bot_key: 'bad key"><script>' });
    expect(await option('concierge_server_url')).toBe(JSON.stringify('https://concierge.example'));
    expect(await option('concierge_bot_key')).toBe(JSON.stringify('bot_saved_key_0002'));
    const shown = await (await admin.fetch(refused.headers.get('location')!)).text();
    expect(shown).toContain('The Concierge server URL must start with https://');
    expect(shown).toContain('The bot key is 8 to 128 letters');
    expect(shown).not.toContain('bad key');

    await wp.php(`update_option( 'concierge_server_url', '${SERVER}' ); update_option( 'concierge_bot_key', '${BOT_KEY}' );`);
  });

  it('stores secrets without ever printing them; an empty field keeps the stored one', async () => {
    const form = await settingsForm();
    await saveSettings({ _wpnonce: form.nonce, _wp_http_referer: form.referer, concierge_server_url: SERVER, concierge_bot_key: BOT_KEY, concierge_identity_secret: IDENTITY_SECRET, concierge_api_key: 'cak_api-key-for-tests-0123456789' });
    expect(await option('concierge_identity_secret')).toBe(JSON.stringify(IDENTITY_SECRET));
    const after = await settingsForm();
    expect(after.html).not.toContain(IDENTITY_SECRET);
    expect(after.html).not.toContain('cak_api-key-for-tests');
    expect(after.html).toContain('Stored — leave empty to keep it');
    await saveSettings({ _wpnonce: after.nonce, _wp_http_referer: after.referer, concierge_server_url: SERVER, concierge_bot_key: BOT_KEY, concierge_identity_secret: '', concierge_api_key: '' });
    expect(await option('concierge_identity_secret')).toBe(JSON.stringify(IDENTITY_SECRET));
    expect(await option('concierge_api_key')).toBe(JSON.stringify('cak_api-key-for-tests-0123456789'));
  });
});

describe('logged-in customers', () => {
  it('get their id and email signed on the server (HMAC with the identity secret, never printed)', async () => {
    await wp.php(`update_option( 'concierge_identity_secret', '${IDENTITY_SECRET}' );`);
    const userId = (await wp.php("echo wp_create_user( 'kim', 'kim-password-123', 'Kim@Customer.example' );")).trim();
    expect(userId).toMatch(/^\d+$/);
    const kim = await wp.login('kim', 'kim-password-123');
    const html = await (await kim.fetch('/')).text();
    const tag = /<script\b[^>]*identify\.js[^>]*>/.exec(html)?.[0];
    expect(tag).toBeDefined();
    const expected = createHmac('sha256', IDENTITY_SECRET).update(`${userId}\nkim@customer.example`).digest('hex');
    expect(tag).toContain(`data-customer-id="${userId}"`);
    expect(tag).toContain('data-email="kim@customer.example"');
    expect(tag).toContain(`data-signature="${expected}"`);
    expect(html.indexOf(tag!)).toBeLessThan(html.indexOf('/widget.js')); // queued before the loader runs
    expect(loaderTags(html)).toHaveLength(1);
    expect(html).not.toContain(IDENTITY_SECRET);
    // The identity script itself is served as a static file, no inline script.
    expect((await fetch(`${wp.url}/wp-content/plugins/concierge/assets/identify.js`)).status).toBe(200);
  });
});

describe('privacy and lifecycle', () => {
  it('registers a personal-data exporter and eraser', async () => {
    const out = await wp.php("echo wp_json_encode( array( array_keys( apply_filters( 'wp_privacy_personal_data_exporters', array() ) ), array_keys( apply_filters( 'wp_privacy_personal_data_erasers', array() ) ) ) );");
    const [exporters, erasers] = JSON.parse(out) as [string[], string[]];
    expect(exporters).toContain('concierge');
    expect(erasers).toContain('concierge');
  });

  it('keeps the settings on deactivation and removes them all on uninstall', async () => {
    await wp.php("deactivate_plugins( 'concierge/concierge.php' );");
    expect(await option('concierge_bot_key')).toBe(JSON.stringify(BOT_KEY));
    expect(loaderTags(await (await fetch(`${wp.url}/`)).text())).toEqual([]);
    await wp.php("require_once ABSPATH . 'wp-admin/includes/plugin.php'; uninstall_plugin( 'concierge/concierge.php' );");
    for (const name of ['concierge_server_url', 'concierge_bot_key', 'concierge_identity_secret', 'concierge_api_key']) expect(await option(name), name).toBe('null');
  });
});
