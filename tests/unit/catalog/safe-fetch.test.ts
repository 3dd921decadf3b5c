import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressAllowed, SafeFetcher } from '../../../core/security/safe-fetch.ts';
import { startFakeFeedServer, type FakeFeedServer } from '../../fakes/product-feed.ts';

describe('safe fetch of merchant-given URLs', () => {
  let feeds: FakeFeedServer;
  beforeAll(async () => {
    feeds = await startFakeFeedServer();
    feeds.setPage('/feed.xml', { body: '<rss/>' });
  });
  afterAll(() => feeds.close());

  it('refuses private, loopback, link-local, CGNAT, unique-local, multicast and IPv4-mapped addresses; allows public ones', () => {
    for (const a of ['10.1.2.3', '127.0.0.1', '169.254.169.254', '172.16.5.4', '192.168.1.1', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fc00::1', 'fd12::1', 'fe80::1', '::ffff:10.0.0.1', '::ffff:7f00:1', '64:ff9b::a00:1', '2002:a00:1::1'])
      expect(addressAllowed(a), a).toBe(false);
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(addressAllowed(a), a).toBe(true);
    // The test allowance opens loopback only, never the private ranges.
    expect(addressAllowed('127.0.0.1', true)).toBe(true);
    expect(addressAllowed('::1', true)).toBe(true);
    expect(addressAllowed('10.0.0.1', true)).toBe(false);
    expect(addressAllowed('169.254.169.254', true)).toBe(false);
  });

  it('refuses the loopback allowance in production', () => {
    expect(() => new SafeFetcher({ allowLoopback: true, production: true })).toThrow(/refused in production/);
    expect(() => new SafeFetcher({ production: true })).not.toThrow();
  });

  it('never connects to a loopback server without the allowance (by IP or by a name resolving to it), and other schemes are refused', async () => {
    const strict = new SafeFetcher({ production: false });
    const port = new URL(feeds.url).port;
    await expect(strict.fetch(`${feeds.url}/feed.xml`)).rejects.toMatchObject({ code: 'ADDRESS_REFUSED' });
    await expect(strict.fetch(`http://localhost:${port}/feed.xml`)).rejects.toMatchObject({ code: 'ADDRESS_REFUSED' });
    await expect(strict.fetch(`http://[::ffff:127.0.0.1]:${port}/feed.xml`)).rejects.toMatchObject({ code: 'ADDRESS_REFUSED' });
    await expect(strict.fetch('file:///etc/passwd')).rejects.toMatchObject({ code: 'URL_INVALID' });
    await expect(strict.fetch(`http://user:pw@example.com/feed.xml`)).rejects.toMatchObject({ code: 'URL_INVALID' });
    expect(feeds.hits.get('/feed.xml') ?? 0).toBe(0);
    const testing = new SafeFetcher({ allowLoopback: true, production: false });
    expect((await testing.fetch(`${feeds.url}/feed.xml`)).body.toString()).toBe('<rss/>');
    expect(feeds.hits.get('/feed.xml')).toBe(1);
  });
});
