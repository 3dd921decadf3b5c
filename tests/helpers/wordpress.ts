/**
 * A real WordPress for tests: Debian's `wordpress` package (/usr/share/wordpress) served by PHP's
 * built-in server (PHP_CLI_SERVER_WORKERS=4) on a fresh MariaDB database (127.0.0.1:3306, root).
 *
 * The docroot is a temporary hard-linked copy of /usr/share/wordpress (PHP resolves symlinks in
 * __FILE__, so symlinked core files would find Debian's own wp-config.php; hard links are as cheap and
 * do not) with a generated wp-config.php and a wp-content of its own: our plugins copied in, a
 * minimal classic theme (Debian ships no theme with the package), mu-plugins that turn mail off.
 * WordPress is installed headless with wp_install() from php-cli; `php(code)` runs PHP in the site
 * (WordPress loaded) so tests set and read its state directly.
 *
 *   const wp = await startWordPress({ plugins: { concierge: 'storefront-apps/woocommerce/concierge' }, activate: ['concierge/concierge.php'] });
 *   await wp.php(`update_option('concierge_bot_key', 'abc12345');`);
 *   const html = await (await fetch(wp.url)).text();
 *   const admin = await wp.login();            // cookie jar of the administrator
 *   await wp.close();
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';

const run = promisify(execFile);
export const WORDPRESS_DIR = process.env.WORDPRESS_DIR ?? '/usr/share/wordpress';
const MYSQL_ARGS = ['-h', '127.0.0.1', '-P', '3306', '-u', 'root'];

export interface WordPressOptions {
  /** The WordPress core to copy (default: Debian's, WORDPRESS_DIR); e.g. `await wordpressRelease('6.5')`. */
  wordpressDir?: string;
  /** Folder name in wp-content/plugins → source folder (copied). */
  plugins?: Record<string, string>;
  /** Plugin files to activate after install, e.g. "concierge/concierge.php". */
  activate?: string[];
  /** Extra mu-plugins: file name → PHP source. */
  muPlugins?: Record<string, string>;
  /** Options set after install (update_option). */
  options?: Record<string, string>;
  /** Site language (WPLANG), e.g. "de_DE"; English by default. */
  locale?: string;
}

export interface AdminSession {
  /** Cookie header value. */
  cookie: string;
  fetch(pathOrUrl: string, init?: RequestInit): Promise<Response>;
}

export interface WordPressSite {
  url: string;
  docroot: string;
  database: string;
  adminUser: string;
  adminPassword: string;
  /** Runs PHP with WordPress loaded (as the CLI, no user); returns stdout. Throws on a PHP error. */
  php(code: string): Promise<string>;
  /** Writes (or with `null` removes) a mu-plugin while the site runs. */
  muPlugin(name: string, source: string | null): Promise<void>;
  /** Logs in through wp-login.php (as the admin unless told otherwise). */
  login(user?: string, password?: string): Promise<AdminSession>;
  /** Logs the administrator in through wp-login.php in a browser page; resolves on wp-admin. */
  browserLogin(page: Page): Promise<void>;
  close(): Promise<void>;
}

const TEST_THEME = {
  'style.css': '/*\nTheme Name: Concierge Test\nDescription: Minimal classic theme for tests.\nVersion: 1.0\n*/\n',
  'index.php': `<?php ?><!doctype html>
<html <?php language_attributes(); ?>>
<head><meta charset="<?php bloginfo( 'charset' ); ?>"><title><?php echo esc_html( wp_get_document_title() ); ?></title><?php wp_head(); ?></head>
<body <?php body_class(); ?>>
<main id="content"><h1><?php bloginfo( 'name' ); ?></h1>
<?php if ( have_posts() ) : while ( have_posts() ) : the_post(); ?><article><h2><?php the_title(); ?></h2><?php the_content(); ?></article><?php endwhile; endif; ?>
</main>
<!-- concierge-test:footer -->
<?php wp_footer(); ?>
</body></html>
`,
};

const MU_NO_MAIL = `<?php
// Tests: no mail leaves WordPress (there is no MTA here).
add_filter( 'pre_wp_mail', '__return_true' );
`;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function phpString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export async function mysql(sql: string): Promise<string> {
  const { stdout } = await run('mysql', [...MYSQL_ARGS, '-N', '-e', sql]);
  return stdout;
}

export async function startWordPress(options: WordPressOptions = {}): Promise<WordPressSite> {
  const id = randomBytes(4).toString('hex');
  const database = `wp_test_${id}`;
  const docroot = await mkdtemp(path.join(os.tmpdir(), 'concierge-wp-'));
  let server: ChildProcess | undefined;
  const cleanup = async () => {
    if (server && server.exitCode === null) {
      // php -S with workers forks them: signal the whole process group, or they outlive the test.
      const group = (signal: NodeJS.Signals) => {
        try {
          process.kill(-server!.pid!, signal);
        } catch {
          server!.kill(signal);
        }
      };
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      group('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      if (server.exitCode === null) group('SIGKILL');
    }
    await mysql(`DROP DATABASE IF EXISTS \`${database}\``).catch(() => undefined);
    await rm(docroot, { recursive: true, force: true });
  };
  try {
    // Hard links where possible (same filesystem), a copy otherwise.
    const core = options.wordpressDir ?? WORDPRESS_DIR;
    await run('cp', ['-al', `${core}/.`, docroot]).catch(() => run('cp', ['-a', `${core}/.`, docroot]));
    await rm(path.join(docroot, 'wp-config.php'), { force: true });
    await rm(path.join(docroot, 'wp-content'), { recursive: true, force: true });
    const content = path.join(docroot, 'wp-content');
    for (const dir of ['plugins', 'themes/concierge-test', 'mu-plugins', 'uploads']) await mkdir(path.join(content, dir), { recursive: true });
    for (const [file, text] of Object.entries(TEST_THEME)) await writeFile(path.join(content, 'themes/concierge-test', file), text);
    await writeFile(path.join(content, 'mu-plugins', 'concierge-test-no-mail.php'), MU_NO_MAIL);
    for (const [file, text] of Object.entries(options.muPlugins ?? {})) await writeFile(path.join(content, 'mu-plugins', file), text);
    for (const [name, source] of Object.entries(options.plugins ?? {})) await cp(path.resolve(source), path.join(content, 'plugins', name), { recursive: true });

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const salts = ['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT']
      .map((k) => `define( '${k}', '${randomBytes(32).toString('hex')}' );`)
      .join('\n');
    await writeFile(
      path.join(docroot, 'wp-config.php'),
      `<?php
define( 'DB_NAME', '${database}' );
define( 'DB_USER', 'root' );
define( 'DB_PASSWORD', '' );
define( 'DB_HOST', '127.0.0.1:3306' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );
${salts}
$table_prefix = 'wp_';
define( 'WP_HOME', '${url}' );
define( 'WP_SITEURL', '${url}' );
define( 'WP_DEBUG', true );
define( 'WP_DEBUG_DISPLAY', false );
define( 'WP_DEBUG_LOG', __DIR__ . '/wp-content/debug.log' );
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_AUTO_UPDATE_CORE', false );
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'WP_ACCESSIBLE_HOSTS', '127.0.0.1,localhost' );
define( 'FS_METHOD', 'direct' );
${options.locale ? `define( 'WPLANG', '${options.locale}' );` : ''}
if ( ! defined( 'ABSPATH' ) ) { define( 'ABSPATH', __DIR__ . '/' ); }
require_once ABSPATH . 'wp-settings.php';
`,
    );
    await mysql(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);

    const phpRun = async (code: string, installing = false): Promise<string> => {
      const script = path.join(docroot, `.cli-${randomBytes(6).toString('hex')}.php`);
      await writeFile(
        script,
        `<?php
${installing ? "define( 'WP_INSTALLING', true );" : ''}
$_SERVER['HTTP_HOST'] = '127.0.0.1:${port}';
$_SERVER['SERVER_NAME'] = '127.0.0.1';
$_SERVER['REQUEST_URI'] = '/';
require __DIR__ . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
${code}
`,
      );
      try {
        const { stdout } = await run('php', ['-d', 'display_errors=stderr', '-d', 'error_reporting=E_ALL & ~E_DEPRECATED', script], { cwd: docroot });
        return stdout;
      } catch (error) {
        const e = error as { stderr?: string; stdout?: string; message: string };
        throw new Error(`PHP failed: ${e.stderr || e.stdout || e.message}`, { cause: error });
      } finally {
        await rm(script, { force: true });
      }
    };

    const adminUser = 'admin';
    const adminPassword = randomBytes(12).toString('hex');
    await phpRun(
      `require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
$result = wp_install( 'Concierge Test Shop', ${phpString(adminUser)}, 'admin@shop.example', true, '', ${phpString(adminPassword)}, ${phpString(options.locale ?? '')} );
if ( is_wp_error( $result ) ) { fwrite( STDERR, $result->get_error_message() ); exit( 1 ); }
update_option( 'permalink_structure', '' );
switch_theme( 'concierge-test' );
foreach ( ${`array(${(options.activate ?? []).map(phpString).join(', ')})`} as $plugin ) {
  $r = activate_plugin( $plugin );
  if ( is_wp_error( $r ) ) { fwrite( STDERR, $plugin . ': ' . $r->get_error_message() ); exit( 1 ); }
}
${Object.entries(options.options ?? {})
  .map(([k, v]) => `update_option( ${phpString(k)}, ${phpString(v)} );`)
  .join('\n')}`,
      true,
    );

    server = spawn('php', ['-S', `127.0.0.1:${port}`, '-t', docroot], {
      cwd: docroot,
      env: { ...process.env, PHP_CLI_SERVER_WORKERS: '4' },
      stdio: ['ignore', 'ignore', 'pipe'],
      // A process group of its own, so that cleanup reaches the workers too.
      detached: true,
    });
    let serverLog = '';
    server.stderr?.on('data', (c: Buffer) => {
      serverLog = (serverLog + c.toString()).slice(-4000);
    });
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        const res = await fetch(`${url}/wp-login.php`, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) break;
      } catch {
        // not listening yet
      }
      if (server.exitCode !== null || Date.now() > deadline) throw new Error(`php -S did not start: ${serverLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const site: WordPressSite = {
      url,
      docroot,
      database,
      adminUser,
      adminPassword,
      php: (code) => phpRun(code),
      async muPlugin(name, source) {
        const file = path.join(content, 'mu-plugins', name);
        if (source === null) await rm(file, { force: true });
        else await writeFile(file, source);
      },
      async login(user = adminUser, password = adminPassword) {
        const jar = new Map<string, string>([['wordpress_test_cookie', 'WP%20Cookie%20check']]);
        const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
        const keep = (res: Response) => {
          for (const c of res.headers.getSetCookie()) {
            const [pair] = c.split(';');
            const eq = pair!.indexOf('=');
            const value = pair!.slice(eq + 1);
            if (value === 'deleted' || /expires=Thu, 01-Jan-1970/i.test(c)) jar.delete(pair!.slice(0, eq));
            else jar.set(pair!.slice(0, eq), value);
          }
        };
        const res = await fetch(`${url}/wp-login.php`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie() },
          body: new URLSearchParams({ log: user, pwd: password, 'wp-submit': 'Log In', redirect_to: `${url}/wp-admin/`, testcookie: '1' }),
          redirect: 'manual',
        });
        keep(res);
        if (res.status !== 302 || ![...jar.keys()].some((k) => k.startsWith('wordpress_logged_in_'))) throw new Error(`login failed for ${user}: ${res.status}`);
        return {
          get cookie() {
            return cookie();
          },
          async fetch(pathOrUrl, init = {}) {
            const target = pathOrUrl.startsWith('http') ? pathOrUrl : `${url}${pathOrUrl}`;
            const r = await fetch(target, { redirect: 'manual', ...init, headers: { ...(init.headers as Record<string, string>), cookie: cookie() } });
            keep(r);
            return r;
          },
        };
      },
      async browserLogin(page) {
        await page.goto(`${url}/wp-login.php`);
        await page.locator('#user_login').fill(adminUser);
        await page.locator('#user_pass').fill(adminPassword);
        await page.locator('#wp-submit').click();
        await page.waitForURL(/\/wp-admin\//);
      },
      close: cleanup,
    };
    return site;
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * A WordPress release newer than Debian's 6.1, for code paths that only exist there (WordPress 6.3's
 * script loading `strategy`). Debian ships one version and there is no other download than the
 * package registries, so it comes from npm: @wp-playground/wordpress-builds carries WordPress's
 * release zips (core PHP whitespace-minified; most static assets left out, which server-rendered
 * tests do not load). Fetched with `npm pack` once and unpacked under node_modules/.cache; returns
 * the core folder for `startWordPress({ wordpressDir })`.
 */
const WORDPRESS_BUILDS = '@wp-playground/wordpress-builds@0.9.19';
export async function wordpressRelease(version: '6.4' | '6.5'): Promise<string> {
  const dir = path.resolve('node_modules/.cache/concierge-wordpress', `wp-${version}`);
  if (existsSync(path.join(dir, 'wp-includes/version.php'))) return dir;
  const work = await mkdtemp(path.join(os.tmpdir(), 'concierge-wp-release-'));
  try {
    const { stdout } = await run('npm', ['pack', WORDPRESS_BUILDS, '--silent', '--pack-destination', work], { cwd: work, maxBuffer: 16 * 1024 * 1024 });
    const tgz = path.join(work, stdout.trim().split('\n').at(-1)!);
    await run('tar', ['xzf', tgz, '-C', work, `package/src/wordpress/wp-${version}.zip`]);
    const unpacked = path.join(work, 'core');
    await run('unzip', ['-q', path.join(work, `package/src/wordpress/wp-${version}.zip`), '-d', unpacked]);
    await rm(path.join(unpacked, 'wp-config.php'), { force: true });
    await mkdir(path.dirname(dir), { recursive: true });
    // Another test process may have finished first: then keep theirs.
    await rename(unpacked, dir).catch((error: unknown) => {
      if (!existsSync(path.join(dir, 'wp-includes/version.php'))) throw error;
    });
    return dir;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** `php -l` on one file: resolves with PHP's message, rejects on a syntax error. */
export async function phpLint(file: string): Promise<string> {
  const { stdout } = await run('php', ['-l', file]);
  return stdout.trim();
}
