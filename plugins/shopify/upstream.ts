import type http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { PluginError } from '@concierge/plugin-sdk';

/**
 * Where Shopify calls go. In production: https://{shop}. With `PLUGIN_SHOPIFY_UPSTREAM`
 * (tests, local development; refused in production) every call — OAuth token endpoint, Admin
 * GraphQL, bulk downloads — for any shop is sent over plain HTTP to that origin, the shop's domain
 * kept in the Host header: an https agent whose connections are plain sockets to the upstream.
 * The same agent serves shopify-api-node (its `agent` option) and our own token/bulk requests.
 */
export interface Upstream {
  agent: https.Agent;
  /** Rewrites a URL Shopify handed us (bulk download) so it is fetched through the same route. */
  request(url: string, init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string; timeoutMs?: number }): Promise<{ status: number; text: string }>;
  /**
   * GETs a URL Shopify handed us (a bulk operation's `url`) and hands back the response as it
   * arrives: the caller reads it chunk by chunk and destroys it when it has read enough.
   */
  stream(url: string, init?: { headers?: Record<string, string>; timeoutMs?: number }): Promise<http.IncomingMessage>;
}

export function parseUpstream(value: string): { host: string; port: number } {
  const url = new URL(value);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('PLUGIN_SHOPIFY_UPSTREAM must be an http(s) origin');
  return { host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) };
}

export function createUpstream(override: string | undefined): Upstream {
  let agent: https.Agent;
  if (override) {
    const target = parseUpstream(override);
    class UpstreamAgent extends https.Agent {
      override createConnection(): net.Socket {
        return net.connect({ host: target.host, port: target.port });
      }
    }
    agent = new UpstreamAgent({ keepAlive: true, maxSockets: 16 });
  } else {
    agent = new https.Agent({ keepAlive: true, maxSockets: 16 });
  }
  return {
    agent,
    request(url, init) {
      return new Promise((resolve, reject) => {
        const parsed = new URL(url);
        if (parsed.protocol !== 'https:') {
          reject(new PluginError('UPSTREAM_FAILED', `refusing a non-https Shopify URL (${parsed.protocol})`));
          return;
        }
        const req = https.request(parsed, { method: init.method, headers: init.headers, agent, timeout: init.timeoutMs ?? 15_000 }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new PluginError('UPSTREAM_RETRYABLE', `no answer from ${parsed.host} in time`)));
        req.on('error', (error) =>
          reject(error instanceof PluginError ? error : new PluginError('UPSTREAM_RETRYABLE', `request to ${parsed.host} failed: ${error.message}`, { cause: error })),
        );
        if (init.body !== undefined) req.write(init.body);
        req.end();
      });
    },
    stream(url, init = {}) {
      return new Promise((resolve, reject) => {
        const parsed = new URL(url);
        if (parsed.protocol !== 'https:') {
          reject(new PluginError('UPSTREAM_FAILED', `refusing a non-https Shopify URL (${parsed.protocol})`));
          return;
        }
        const req = https.request(parsed, { method: 'GET', headers: init.headers, agent, timeout: init.timeoutMs ?? 30_000 }, resolve);
        req.on('timeout', () => req.destroy(new PluginError('UPSTREAM_RETRYABLE', `no answer from ${parsed.host} in time`)));
        req.on('error', (error) =>
          reject(error instanceof PluginError ? error : new PluginError('UPSTREAM_RETRYABLE', `request to ${parsed.host} failed: ${error.message}`, { cause: error })),
        );
        req.end();
      });
    },
  };
}
