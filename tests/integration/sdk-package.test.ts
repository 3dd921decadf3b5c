import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Issue 17: the packed SDK works from a clean folder. Build it, `npm pack` it, install the tarball
 * with only registry packages into an empty folder outside the repo, and run there a plain-JS plugin
 * written with `definePlugin` and the contract kit (driven by `node:test`) on Node 20 and Node 24.
 */
const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SDK_DIR = path.join(ROOT, 'plugins/sdk');
const NODE24_PREFIX = '/opt/node24';
const NODE24 = path.join(NODE24_PREFIX, 'node_modules/node/bin/node');

/** The parent's npm/vitest/tsx environment must not leak into the "outside" world. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('npm_') || key.startsWith('VITEST') || key === 'NODE_OPTIONS' || key === 'TSX_TSCONFIG_PATH' || key === 'INIT_CWD') continue;
    env[key] = value;
  }
  return env;
}

async function sh(file: string, args: string[], cwd: string, what: string): Promise<string> {
  try {
    const { stdout, stderr } = await run(file, args, { cwd, env: cleanEnv(), maxBuffer: 20 * 1024 * 1024, timeout: 120_000 });
    return stdout + stderr;
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string; code?: unknown };
    throw new Error(`${what} failed (${file} ${args.join(' ')} in ${cwd}, exit ${String(e.code)}):\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`, { cause: error });
  }
}

// A plugin as an outside author writes it: plain JavaScript, only the published package.
const PLUGIN_JS = `import { definePlugin, hmacSha256, constantTimeEqual, SDK_VERSION } from '@concierge/plugin-sdk';

export const SECRET = 'whsec_outside';

export default definePlugin({
  manifest: { id: 'outside-shop', name: 'Outside Shop', version: '1.0.0', coreRange: '^' + SDK_VERSION.split('.').slice(0, 2).join('.') + '.0' },
  webhooks: {
    topics: ['product.updated'],
    identify(request) {
      const topic = request.headers['x-topic'];
      const deliveryId = request.headers['x-delivery'];
      const externalId = request.headers['x-shop'];
      if (!topic || !deliveryId || !externalId) return undefined;
      return { topic: String(topic), deliveryId: String(deliveryId), externalId: String(externalId) };
    },
    verify(ctx, request) {
      return constantTimeEqual(hmacSha256(SECRET, request.rawBody, 'base64'), String(request.headers['x-signature'] ?? ''));
    },
    normalize(ctx, request) {
      const body = JSON.parse(request.rawBody.toString('utf8'));
      return [{ type: 'product.deleted', externalId: String(body.id) }];
    },
  },
});
`;

const RUNNER_JS = `import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { constantTimeEqual, hmacSha256, SDK_VERSION, PluginError } from '@concierge/plugin-sdk';
import { runPluginContract, createTestContext } from '@concierge/plugin-sdk/testkit';
import plugin, { SECRET } from './plugin.mjs';

// The kit takes the test functions as a parameter: node:test's, with a small expect on node:assert.
const re = (e) => (typeof e === 'string' ? new RegExp(e.replace(/[.*+?^\${}()|[\\]\\\\]/g, '\\\\$&')) : e);
const expect = (value, message) => ({
  toBe: (e) => assert.strictEqual(value, e, message),
  toEqual: (e) => assert.deepStrictEqual(value, e, message),
  toBeDefined: () => assert.notStrictEqual(value, undefined, message),
  toBeUndefined: () => assert.strictEqual(value, undefined, message),
  toBeTruthy: () => assert.ok(value, message),
  toMatch: (e) => assert.match(String(value), re(e), message),
  not: { toMatch: (e) => assert.doesNotMatch(String(value), re(e), message), toBe: (e) => assert.notStrictEqual(value, e, message) },
});

const delivery = (secret, id) => {
  const rawBody = Buffer.from(JSON.stringify({ id: 42 }));
  return { method: 'POST', query: {}, rawBody, headers: { 'x-topic': 'product.updated', 'x-delivery': id ?? 'd-' + Math.random(), 'x-shop': 'shop-1', 'x-signature': hmacSha256(secret, rawBody, 'base64') } };
};

test('the plugin runs from the installed package', async () => {
  const pkg = createRequire(import.meta.url)('@concierge/plugin-sdk/package.json');
  assert.equal(SDK_VERSION, pkg.version, 'SDK_VERSION is the package version');
  assert.ok(import.meta.resolve('@concierge/plugin-sdk').includes('/node_modules/@concierge/plugin-sdk/dist/'), 'resolved from the installed dist/');
  const ctx = createTestContext();
  assert.equal(await plugin.webhooks.verify(ctx, delivery(SECRET)), true);
  assert.equal(await plugin.webhooks.verify(ctx, delivery('another')), false);
  assert.deepEqual(await plugin.webhooks.normalize(ctx, delivery(SECRET), {}), [{ type: 'product.deleted', externalId: '42' }]);
  assert.ok(new PluginError('UPSTREAM_AUTH', 'x') instanceof Error);
});

runPluginContract({ describe, it: test, expect }, {
  plugin,
  fixtures: { webhooks: { signed: (topic, options) => delivery(SECRET, options?.deliveryId), signedWithWrongSecret: () => delivery('wrong-secret') } },
});

// The same platform as if it sent a per-installation secret back in a header (BigCommerce's way): declared, checked as such.
const headerPlugin = { ...plugin, manifest: { ...plugin.manifest, id: 'outside-shop-header' }, webhooks: { ...plugin.webhooks, verify: (ctx, request) => constantTimeEqual(ctx.secrets.webhookSecret, request.headers['x-outside-secret']) } };
const withSecret = (secret, id) => { const d = delivery('unused', id); delete d.headers['x-signature']; d.headers['x-outside-secret'] = secret; return d; };
runPluginContract({ describe, it: test, expect }, {
  plugin: headerPlugin,
  context: () => ({ secrets: { webhookSecret: 'mine-0123' } }),
  fixtures: {
    webhooks: {
      authentication: { kind: 'header-secret', header: 'x-outside-secret' },
      signed: (topic, options) => withSecret('mine-0123', options?.deliveryId),
      signedWithWrongSecret: () => withSecret('wrong-secret'),
      otherInstallation: { context: () => ({ secrets: { webhookSecret: 'theirs-4567' } }), signed: () => withSecret('theirs-4567') },
    },
  },
});
`;

async function node24(): Promise<string> {
  if (existsSync(NODE24)) return NODE24;
  // Once per machine, like .ci/run: the registry's `node` package carries the Node 24 binary.
  await mkdir(NODE24_PREFIX, { recursive: true });
  await sh('npm', ['install', '--prefix', NODE24_PREFIX, '--prefer-offline', '--no-audit', '--no-fund', 'node@24'], NODE24_PREFIX, 'installing node@24 from the registry');
  if (!existsSync(NODE24)) throw new Error(`npm install node@24 did not produce ${NODE24}`);
  return NODE24;
}

/**
 * The machine's Node 20: the running one, or (when this suite itself runs on Node 24, as CI's second
 * pass does with Node 24 first on PATH) the next `node` on PATH that is a Node 20.
 */
async function node20(): Promise<string> {
  const candidates = [process.execPath, ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, 'node'))];
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    const version = (await sh(candidate, ['--version'], tmpdir(), `${candidate} --version`)).trim();
    if (/^v20\./.test(version)) return candidate;
  }
  throw new Error(`no Node 20 found (tried ${candidates.join(', ')}): the SDK must be proven on the machines' Node 20`);
}

describe('the packed @concierge/plugin-sdk from an empty folder', () => {
  let work: string | undefined;
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('builds, packs, installs with registry packages only, and runs a plugin and the contract kit on Node 20 and Node 24', async () => {
    work = await mkdtemp(path.join(tmpdir(), 'sdk-package-'));
    const consumer = path.join(work, 'consumer');
    await mkdir(consumer);

    await sh('npm', ['run', 'build:sdk'], ROOT, 'npm run build:sdk');
    for (const file of ['index.js', 'index.d.ts', 'testkit/index.js', 'testkit/index.d.ts']) {
      expect(existsSync(path.join(SDK_DIR, 'dist', file)), `dist/${file} built`).toBe(true);
    }
    const built = await readFile(path.join(SDK_DIR, 'dist/index.js'), 'utf8');
    expect(built, 'emitted JavaScript imports .js, not .ts').not.toMatch(/from ['"]\.{1,2}\/[^'"]+\.ts['"]/);

    // prepack builds as well; it just ran, so pack without scripts.
    const packed = await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], SDK_DIR, 'npm pack');
    const [info] = JSON.parse(packed.slice(packed.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    const shipped = info!.files.map((f) => f.path);
    expect(shipped).toEqual(expect.arrayContaining(['package.json', 'LICENSE', 'CHANGELOG.md', 'dist/index.js', 'dist/index.d.ts', 'dist/testkit/index.js']));
    expect(shipped.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), 'no TypeScript sources in the tarball').toEqual([]);

    await writeFile(path.join(consumer, 'package.json'), JSON.stringify({ name: 'outside-plugin', private: true, type: 'module' }));
    await sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(work, info!.filename), 'zod@^4'], consumer, 'npm install <tarball> zod');
    expect(existsSync(path.join(consumer, 'node_modules/semver/package.json')), 'semver came in as a declared dependency').toBe(true);
    await writeFile(path.join(consumer, 'plugin.mjs'), PLUGIN_JS);
    await writeFile(path.join(consumer, 'contract.test.mjs'), RUNNER_JS);

    for (const [label, node] of [['Node 20', await node20()], ['Node 24', await node24()]] as const) {
      const version = (await sh(node, ['--version'], consumer, `${label} --version`)).trim();
      expect(version, label).toMatch(label === 'Node 20' ? /^v20\./ : /^v24\./);
      const output = await sh(node, ['--test', '--test-reporter=tap', 'contract.test.mjs'], consumer, `the plugin and contract kit on ${label} (${version})`);
      const passed = Number(/^# pass (\d+)/m.exec(output)?.[1] ?? 0);
      expect(/^# fail 0$/m.test(output), `${label}: no failures\n${output}`).toBe(true);
      // the plugin test + for each kit run: manifest, setup/teardown, topics, one per topic, the authentication check, dedupe
      expect(passed, `${label}: every test ran\n${output}`).toBeGreaterThanOrEqual(13);
      expect(output, `${label}: the header-secret checks ran`).toMatch(/ok \d+ - webhooks: refuses the secret header missing/);
    }
  }, 240_000);
});
