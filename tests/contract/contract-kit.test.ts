import { afterAll, describe, expect, it } from 'vitest';
import { definePlugin, type AnyPlugin } from '@concierge/plugin-sdk';
import scriptTag from '../../plugins/script-tag/index.ts';
import { makeMiniPlugin, type MiniPluginOptions } from '../fakes/mini-platform/plugin.ts';
import { startMiniPlatform } from '../fakes/mini-platform/server.ts';
import { failedTests as failed, miniContract, runKit } from './mini-platform.fixture.ts';

/**
 * The contract kit must FAIL plugins that are wrong (issue #10: before, a plugin whose verify
 * ignored the secret and whose normalize returned nothing passed 5 of 5). Each broken variant
 * runs the whole kit in a collecting runner; the failures must be the ones its defect explains.
 */

const fake = await startMiniPlatform();
afterAll(() => fake.close());
const variant = (broken?: MiniPluginOptions['broken']) => runKit(miniContract(fake, makeMiniPlugin({ broken }), `kit-${broken ?? 'sound'}.example`));

describe('the contract kit', () => {
  it('passes the sound plugin on every test', async () => {
    const outcomes = await variant();
    expect(outcomes.length).toBeGreaterThan(15);
    expect(failed(outcomes)).toEqual([]);
  });

  it('fails a plugin whose verify ignores the secret, on every topic', async () => {
    const outcomes = await variant('verify-ignores-secret');
    const names = failed(outcomes);
    expect(names.length).toBe(8);
    for (const name of names) expect(name).toMatch(/^webhooks(\[.+\]: identifies, verifies|: rejects a body changed after signing)/);
    expect(outcomes.find((o) => o.name.startsWith('webhooks[products/update]'))!.error).toMatch(/refuses a delivery signed with another secret/);
  });

  it('fails a plugin whose normalize returns nothing', async () => {
    const names = failed(await variant('normalize-returns-nothing'));
    expect(names.length).toBe(7);
    for (const name of names) expect(name).toMatch(/^webhooks\[.+\]: .*normalizes to valid non-empty core events/);
  });

  it('fails a plugin that hands out an order without the matching email', async () => {
    expect(failed(await variant('orders-ignore-email'))).toEqual(['orders: finds an order only with its matching email']);
  });

  it('fails a plugin whose delivery ids change on a redelivery (no dedupe possible)', async () => {
    expect(failed(await variant('identify-random-id'))).toEqual(['webhooks: the same delivery has the same identity, another delivery another id (dedupe)']);
  });

  it("fails a plugin whose catalog list misses the platform's last page", async () => {
    expect(failed(await variant('list-skips-last-page'))).toEqual(["catalog: list pages through exactly the platform's products"]);
  });

  it('fails a plugin that claims capabilities without the fixtures to test them', async () => {
    const names = failed(await runKit({ plugin: makeMiniPlugin() as AnyPlugin }));
    expect(names).toEqual(
      expect.arrayContaining([
        'install: begin → platform → callback carries our state → complete gives the installation → uninstall',
        'webhooks[products/update]: identifies, verifies with the right secret only, normalizes to valid non-empty core events',
        'catalog: search returns valid products that exist on the platform as they are there',
        'orders: finds an order only with its matching email',
        'errors: refused credentials → UPSTREAM_AUTH; unreachable platform → UPSTREAM_RETRYABLE',
      ]),
    );
  });

  it('fails a broken script-tag variant: an embed that inlines script, and a manifest for another core', async () => {
    const inline = definePlugin({
      ...scriptTag,
      storefront: { embed: (_ctx, { botKey }) => ({ kind: 'snippet', html: `<script>window.bot="${botKey}"</script>`, instructions: 'paste it' }) },
    }) as AnyPlugin;
    // Its install only shows the snippet (no installation to check): skipped, as in script-tag.contract.test.ts.
    const skip = ['install' as const];
    expect(failed(await runKit({ plugin: inline, skip }))).toEqual(['storefront: embeds the widget by URL, without inline script']);
    const tooNew = definePlugin({ ...scriptTag, manifest: { ...scriptTag.manifest, coreRange: '^9.0.0' } }) as AnyPlugin;
    expect(failed(await runKit({ plugin: tooNew, skip }))).toEqual(['has a valid manifest whose core range accepts this core']);
    expect(failed(await runKit({ plugin: scriptTag as AnyPlugin, skip }))).toEqual([]);
    // Claimed and not skipped, an install that finishes in begin is tested, and needs its fixtures.
    expect(failed(await runKit({ plugin: scriptTag as AnyPlugin }))).toEqual([
      'install: begin finishes the installation at once (installed, or open-admin) → afterInstall → uninstall',
      'install: parameters the platform did not send are refused by begin with a PluginError',
    ]);
  });
});
