import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPluginError } from '@concierge/plugin-sdk';
import { exchangeCode, exchangeSessionToken, refreshAccessToken, requestToken } from '../../../../plugins/shopify/tokens.ts';
import { createUpstream, parseUpstream } from '../../../../plugins/shopify/upstream.ts';

/**
 * The route to Shopify with PLUGIN_SHOPIFY_UPSTREAM: plain HTTP to one origin, the original host kept;
 * and the token endpoint's answers as requestToken reads them (a scripted answer per request).
 */

let server: http.Server;
let origin: string;
const seen: { method?: string; url?: string; host?: string; range?: string; body: string; headers?: http.IncomingHttpHeaders }[] = [];
let script: { status: number; body: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, host: req.headers.host, range: req.headers.range, body: Buffer.concat(chunks).toString(), headers: req.headers });
      if (req.url?.startsWith('/slow')) return; // never answers
      const scripted = script.shift();
      if (scripted) {
        res.writeHead(scripted.status, { 'content-type': 'application/json' });
        res.end(scripted.body);
        return;
      }
      res.writeHead(req.url?.startsWith('/missing') ? 404 : 200, { 'content-type': 'text/plain' });
      res.end(`answer to ${req.method} ${req.url}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const codeAndMessage = (error: unknown) => (isPluginError(error) ? `${error.code}: ${error.message}` : String(error));

describe('shopify upstream', () => {
  it('parses an http(s) origin with its default port, and refuses anything else', () => {
    expect(parseUpstream('http://127.0.0.1:4010')).toEqual({ host: '127.0.0.1', port: 4010 });
    expect(parseUpstream('http://localhost')).toEqual({ host: 'localhost', port: 80 });
    expect(parseUpstream('https://localhost/')).toEqual({ host: 'localhost', port: 443 });
    expect(() => parseUpstream('ftp://localhost:21')).toThrow(/http\(s\) origin/);
  });

  it('sends a request for https://{shop}/… to the upstream with the shop as Host, method, headers and body kept', async () => {
    const upstream = createUpstream(origin);
    const answer = await upstream.request('https://acme.myshopify.com/admin/oauth/access_token?x=1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(answer).toEqual({ status: 200, text: 'answer to POST /admin/oauth/access_token?x=1' });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/admin/oauth/access_token?x=1', host: 'acme.myshopify.com', body: '{"a":1}' });
    expect((await upstream.request('https://acme.myshopify.com/missing', { method: 'GET' })).status).toBe(404);
    upstream.agent.destroy();
  });

  it('streams a file from a URL Shopify handed out (storage host kept, Range passed) and reports its status', async () => {
    const upstream = createUpstream(origin);
    const res = await upstream.stream('https://storage.googleapis.com/bucket/op-final?Signature=s', { headers: { range: 'bytes=10-' } });
    expect(res.statusCode).toBe(200);
    let text = '';
    for await (const chunk of res) text += String(chunk);
    expect(text).toBe('answer to GET /bucket/op-final?Signature=s');
    expect(seen.at(-1)).toMatchObject({ method: 'GET', host: 'storage.googleapis.com', range: 'bytes=10-' });
    const missing = await upstream.stream('https://storage.googleapis.com/missing');
    expect(missing.statusCode).toBe(404);
    missing.resume();
    upstream.agent.destroy();
  });

  it('refuses a URL that is not https, and turns silence and refused connections into retryable errors', async () => {
    const upstream = createUpstream(origin);
    for (const call of [() => upstream.request('http://acme.myshopify.com/x', { method: 'GET' }), () => upstream.stream('http://storage.googleapis.com/x')]) {
      expect(codeAndMessage(await call().catch((e: unknown) => e))).toBe('UPSTREAM_FAILED: refusing a non-https Shopify URL (http:)');
    }
    const before = seen.length;
    expect(codeAndMessage(await upstream.request('https://acme.myshopify.com/slow', { method: 'GET', timeoutMs: 150 }).catch((e: unknown) => e))).toBe(
      'UPSTREAM_RETRYABLE: no answer from acme.myshopify.com in time',
    );
    expect(codeAndMessage(await upstream.stream('https://storage.googleapis.com/slow', { timeoutMs: 150 }).catch((e: unknown) => e))).toBe(
      'UPSTREAM_RETRYABLE: no answer from storage.googleapis.com in time',
    );
    expect(seen.length - before).toBe(2);
    upstream.agent.destroy();

    const closed = createUpstream('http://127.0.0.1:9');
    for (const refused of [await closed.request('https://acme.myshopify.com/x', { method: 'GET' }).catch((e: unknown) => e), await closed.stream('https://storage.googleapis.com/x').catch((e: unknown) => e)]) {
      expect((refused as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
    }
    expect(codeAndMessage(await closed.request('https://acme.myshopify.com/x', { method: 'GET' }).catch((e: unknown) => e))).toMatch(/^UPSTREAM_RETRYABLE: request to acme\.myshopify\.com failed: .*ECONNREFUSED/);
    expect(codeAndMessage(await closed.stream('https://storage.googleapis.com/x').catch((e: unknown) => e))).toMatch(/^UPSTREAM_RETRYABLE: request to storage\.googleapis\.com failed: .*ECONNREFUSED/);
    closed.agent.destroy();
  });

  it('without an override, uses a plain https agent (no socket to a fixed origin)', () => {
    const direct = createUpstream(undefined);
    const routed = createUpstream(origin);
    expect(direct.agent.constructor.name).toBe('Agent');
    expect(routed.agent.constructor.name).toBe('UpstreamAgent');
    for (const agent of [direct.agent, routed.agent]) expect(agent).toMatchObject({ keepAlive: true, maxSockets: 16 });
    direct.agent.destroy();
    routed.agent.destroy();
  });
});

describe('shopify token endpoint (requestToken through the upstream)', () => {
  const app = { apiKey: 'key-1', apiSecret: 'secret-1' };
  const NOW = 1_700_000_000_000;

  it('POSTs the grant form-encoded with the app credentials to https://{shop}/admin/oauth/access_token', async () => {
    const upstream = createUpstream(origin);
    script = [{ status: 200, body: JSON.stringify({ access_token: 'at', scope: 'read_products', expires_in: 3600, refresh_token: 'rt', refresh_token_expires_in: 7200 }) }];
    expect(await exchangeCode(upstream, 'a.myshopify.com', app, 'the-code', NOW)).toEqual({
      accessToken: 'at',
      scope: 'read_products',
      expiresAt: new Date(NOW + 3_600_000).toISOString(),
      refreshToken: 'rt',
      refreshTokenExpiresAt: new Date(NOW + 7_200_000).toISOString(),
    });
    const sent = seen.at(-1)!;
    expect(sent).toMatchObject({ method: 'POST', url: '/admin/oauth/access_token', host: 'a.myshopify.com' });
    expect(sent.headers).toMatchObject({ 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'content-length': String(Buffer.byteLength(sent.body)) });
    expect(Object.fromEntries(new URLSearchParams(sent.body))).toEqual({ client_id: 'key-1', client_secret: 'secret-1', code: 'the-code', expiring: '1' });

    script = [{ status: 200, body: '{"access_token":"at2"}' }, { status: 200, body: '{"access_token":"at3"}' }];
    expect(await exchangeSessionToken(upstream, 'a.myshopify.com', app, 'session.jwt.here', NOW)).toEqual({ accessToken: 'at2' });
    expect(Object.fromEntries(new URLSearchParams(seen.at(-1)!.body))).toEqual({
      client_id: 'key-1',
      client_secret: 'secret-1',
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: 'session.jwt.here',
      subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      requested_token_type: 'urn:shopify:params:oauth:token-type:offline-access-token',
      expiring: '1',
    });
    expect(await refreshAccessToken(upstream, 'a.myshopify.com', app, 'rt-old', NOW)).toEqual({ accessToken: 'at3' });
    expect(Object.fromEntries(new URLSearchParams(seen.at(-1)!.body))).toEqual({ client_id: 'key-1', client_secret: 'secret-1', grant_type: 'refresh_token', refresh_token: 'rt-old' });
    upstream.agent.destroy();
  });

  it('maps the answers: 5xx and 429 retryable, other refusals UPSTREAM_AUTH, non-JSON or no token UPSTREAM_FAILED, a foreign shop never contacted', async () => {
    const upstream = createUpstream(origin);
    const outcome = async (status: number, body: string) => {
      script = [{ status, body }];
      return codeAndMessage(await requestToken(upstream, 'a.myshopify.com', app, {}, NOW).catch((e: unknown) => e));
    };
    expect(await outcome(500, '{}')).toBe("UPSTREAM_RETRYABLE: Shopify's token endpoint answered 500");
    expect(await outcome(503, '{}')).toBe("UPSTREAM_RETRYABLE: Shopify's token endpoint answered 503");
    expect(await outcome(429, '{}')).toBe("UPSTREAM_RETRYABLE: Shopify's token endpoint answered 429");
    expect(await outcome(400, '{"error":"invalid_grant"}')).toBe('UPSTREAM_AUTH: Shopify refused the token request (400)');
    expect(await outcome(499, '{}')).toBe('UPSTREAM_AUTH: Shopify refused the token request (499)');
    expect(await outcome(201, '{"access_token":"x"}')).toBe('UPSTREAM_AUTH: Shopify refused the token request (201)');
    expect(await outcome(200, '<html>')).toBe('UPSTREAM_FAILED: Shopify answered the token request with something other than JSON');
    expect(await outcome(200, '{"error":"nope"}')).toBe('UPSTREAM_FAILED: Shopify answered the token request without an access token');
    const before = seen.length;
    expect(codeAndMessage(await requestToken(upstream, 'evil.example.com', app, {}, NOW).catch((e: unknown) => e))).toBe('INSTALL_STATE_INVALID: not a myshopify.com shop domain');
    expect(seen.length).toBe(before);
    script = [];
    upstream.agent.destroy();
  });
});
