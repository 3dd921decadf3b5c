import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Fetching a URL a merchant typed (a product feed), without letting it reach inside our network
 * (SSRF): only http(s) on any port, no credentials in the URL; the host is resolved once and EVERY
 * address it resolves to must be public (no loopback, private, link-local, CGNAT, unique-local,
 * multicast or reserved ranges, IPv4-mapped IPv6 included); the connection then goes to exactly
 * the address that was checked (a DNS answer that changes between check and connect cannot move
 * it). Redirects are followed by hand, each hop checked again. One deadline for the whole fetch,
 * and a size limit enforced while reading (Content-Length is only a hint).
 *
 * `allowLoopback` lets tests use a fake server on 127.0.0.1; it is refused in production.
 */

export type SafeFetchErrorCode = 'URL_INVALID' | 'ADDRESS_REFUSED' | 'DNS_FAILED' | 'TIMEOUT' | 'TOO_LARGE' | 'TOO_MANY_REDIRECTS' | 'HTTP_STATUS' | 'NETWORK';

export class SafeFetchError extends Error {
  override readonly name = 'SafeFetchError';
  constructor(
    readonly code: SafeFetchErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface SafeFetchOptions {
  /** Whole fetch, redirects included. Default 15 s. */
  timeoutMs?: number;
  /** Largest body. Default 20 MB. */
  maxBytes?: number;
  /** Default 5. */
  maxRedirects?: number;
  /** Sent as Accept. */
  accept?: string;
}

export interface SafeFetchResult {
  /** The URL that answered (after redirects). */
  url: string;
  contentType: string | undefined;
  body: Buffer;
}

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64 (embeds IPv4)
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23], // IETF protocol assignments (Teredo, ORCHID, ...)
  ['2001:db8::', 32],
  ['2002::', 16], // 6to4 (embeds IPv4)
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10],
  ['ff00::', 8], // multicast
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');
const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** `::ffff:10.0.0.1` (and the hex form) is 10.0.0.1. */
function unmapped(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const m = /^::ffff:(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(address);
  if (m?.[1]) return { address: m[1], family: 'ipv4' };
  if (m?.[2] && m[3]) {
    const hi = parseInt(m[2], 16);
    const lo = parseInt(m[3], 16);
    return { address: `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, family: 'ipv4' };
  }
  return { address, family: isIP(address) === 4 ? 'ipv4' : 'ipv6' };
}

/** Whether an address may be fetched from (public), or loopback under the test allowance. */
export function addressAllowed(address: string, allowLoopback = false): boolean {
  const a = unmapped(address);
  if (allowLoopback && loopback.check(a.address, a.family)) return true;
  return !blocked.check(a.address, a.family);
}

export class SafeFetcher {
  constructor(private readonly settings: { allowLoopback?: boolean; production: boolean }) {
    if (settings.allowLoopback && settings.production) throw new Error('safe fetch: allowLoopback is for tests and is refused in production');
  }

  async fetch(input: string, options: SafeFetchOptions = {}): Promise<SafeFetchResult> {
    const deadline = Date.now() + (options.timeoutMs ?? 15_000);
    const maxBytes = options.maxBytes ?? 20_000_000;
    let url = this.parse(input);
    for (let hop = 0; ; hop++) {
      const address = await this.resolve(url, deadline);
      const answer = await this.request(url, address, deadline, maxBytes, options.accept);
      if ('redirect' in answer) {
        if (hop >= (options.maxRedirects ?? 5)) throw new SafeFetchError('TOO_MANY_REDIRECTS', `more than ${options.maxRedirects ?? 5} redirects`);
        url = this.parse(new URL(answer.redirect, url).href);
        continue;
      }
      return { url: url.href, contentType: answer.contentType, body: answer.body };
    }
  }

  private parse(input: string): URL {
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      throw new SafeFetchError('URL_INVALID', 'is not an absolute URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SafeFetchError('URL_INVALID', `must be http or https, not ${url.protocol.replace(':', '')}`);
    if (url.username || url.password) throw new SafeFetchError('URL_INVALID', 'must not carry a user name or password');
    return url;
  }

  /** Every address the host resolves to must be allowed; the first is the one we connect to. */
  private async resolve(url: URL, deadline: number): Promise<{ address: string; family: 4 | 6 }> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    let addresses: { address: string; family: number }[];
    if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
    else {
      try {
        addresses = await withDeadline(dnsLookup(host, { all: true, verbatim: true }), deadline);
      } catch (error) {
        if (error instanceof SafeFetchError) throw error;
        throw new SafeFetchError('DNS_FAILED', `the host ${host} could not be resolved`);
      }
    }
    if (addresses.length === 0) throw new SafeFetchError('DNS_FAILED', `the host ${host} has no address`);
    const refused = addresses.find((a) => !addressAllowed(a.address, this.settings.allowLoopback));
    if (refused) throw new SafeFetchError('ADDRESS_REFUSED', `${host} resolves to ${refused.address}, a private or reserved address`);
    return { address: addresses[0]!.address, family: addresses[0]!.family === 6 ? 6 : 4 };
  }

  private request(url: URL, target: { address: string; family: 4 | 6 }, deadline: number, maxBytes: number, accept: string | undefined): Promise<{ redirect: string } | { contentType: string | undefined; body: Buffer }> {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return Promise.reject(new SafeFetchError('TIMEOUT', 'timed out'));
    // Connect to the checked address, whatever DNS says now (TLS still verifies the host name).
    const pinned: LookupFunction = (_host, opts, callback) => {
      if ((opts as { all?: boolean }).all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [target]);
      else callback(null, target.address, target.family);
    };
    const client = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: SafeFetchError) => {
        if (settled) return;
        settled = true;
        req.destroy();
        reject(error);
      };
      const timer = setTimeout(() => fail(new SafeFetchError('TIMEOUT', 'timed out')), remaining);
      const req = client.get(url, { lookup: pinned, headers: { 'user-agent': 'Concierge-Feed-Import/1', accept: accept ?? '*/*' } }, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location) {
          res.resume();
          clearTimeout(timer);
          settled = true;
          resolve({ redirect: res.headers.location });
          return;
        }
        if (status < 200 || status >= 300) {
          res.resume();
          clearTimeout(timer);
          return fail(new SafeFetchError('HTTP_STATUS', `answered HTTP ${status}`));
        }
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxBytes) {
          clearTimeout(timer);
          return fail(new SafeFetchError('TOO_LARGE', `is larger than ${maxBytes} bytes`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            clearTimeout(timer);
            fail(new SafeFetchError('TOO_LARGE', `is larger than ${maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          clearTimeout(timer);
          if (settled) return;
          settled = true;
          resolve({ contentType: res.headers['content-type'], body: Buffer.concat(chunks) });
        });
        res.on('error', () => {
          clearTimeout(timer);
          fail(new SafeFetchError('NETWORK', 'the connection broke while reading'));
        });
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        fail(new SafeFetchError('NETWORK', `could not be fetched (${error.code ?? 'network error'})`));
      });
    });
  }
}

function withDeadline<T>(promise: Promise<T>, deadline: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new SafeFetchError('TIMEOUT', 'timed out')), Math.max(0, deadline - Date.now()));
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
