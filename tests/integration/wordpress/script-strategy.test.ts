// The loader's WordPress 6.3+ path: wp_enqueue_script with `strategy` => 'async' (in the footer), in a
// real WordPress 6.5 (Debian ships 6.1, where plugin.test.ts covers the script_loader_tag fallback).
// WordPress itself renders the async attribute here, marked with its data-wp-strategy; our filter
// adds only the data attributes, never a second async.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWordPress, wordpressRelease, type WordPressSite } from '../../helpers/wordpress.ts';

const SERVER = 'https://concierge.example';
const BOT_KEY = 'pk_strategy_test_123';
let wp: WordPressSite;

beforeAll(async () => {
  wp = await startWordPress({
    wordpressDir: await wordpressRelease('6.5'),
    plugins: { concierge: 'storefront-apps/woocommerce/concierge' },
    activate: ['concierge/concierge.php'],
    options: { concierge_server_url: SERVER, concierge_bot_key: BOT_KEY },
  });
}, 300_000);
afterAll(async () => {
  await wp?.close();
});

/** Every script tag (opening tag only) whose src is the loader. */
const loaderTags = (html: string) => [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]).filter((t) => t.includes(`${SERVER}/widget.js`));

describe('the loader on WordPress 6.3+ (script loading strategy)', () => {
  it('runs on a WordPress with the strategy argument', async () => {
    expect((await wp.php("echo get_bloginfo( 'version' );")).trim()).toMatch(/^6\.5\./);
    expect((await wp.php("echo Concierge_Frontend::supports_strategy() ? 'yes' : 'no';")).trim()).toBe('yes');
  });

  it('is enqueued with strategy async in the footer, and WordPress renders one async tag with the data attributes', async () => {
    const html = await (await fetch(`${wp.url}/`)).text();
    const tags = loaderTags(html);
    expect(tags).toHaveLength(1);
    const tag = tags[0]!;
    // Rendered by WordPress's strategy code (6.3+ marks it with data-wp-strategy), not by our fallback.
    expect(tag).toMatch(/\sdata-wp-strategy=["']async["']/);
    expect(tag.match(/\sasync(?=[\s>=])/g)).toHaveLength(1);
    expect(tag).not.toMatch(/\sdefer(?=[\s>=])/);
    expect(tag).toMatch(new RegExp(`src=["']${SERVER}/widget\\.js["']`)); // no ?ver=
    expect(tag).toContain(`data-bot="${BOT_KEY}"`);
    expect(tag).toContain('data-locale="en-US"');
    expect(html.indexOf(tag)).toBeGreaterThan(html.indexOf('<!-- concierge-test:footer -->'));
    // What the plugin asked of WordPress: the strategy and the footer group, as registered.
    const registered = JSON.parse(
      await wp.php("do_action( 'wp_enqueue_scripts' ); $s = wp_scripts(); echo wp_json_encode( array( 'strategy' => $s->get_data( 'concierge-loader', 'strategy' ), 'group' => $s->get_data( 'concierge-loader', 'group' ) ) );"),
    ) as { strategy: string; group: number };
    expect(registered).toEqual({ strategy: 'async', group: 1 });
  });

  it('never loads on admin pages', async () => {
    const admin = await wp.login();
    const res = await admin.fetch('/wp-admin/');
    expect(res.status).toBe(200);
    expect(loaderTags(await res.text())).toEqual([]);
  });
});
