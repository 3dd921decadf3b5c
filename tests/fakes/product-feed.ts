/**
 * A merchant's web server on 127.0.0.1 serving product feeds (issue #18 feed import): pages set by
 * the test (body, type, status, redirect), plus a page that never answers and one that streams
 * more than a limit. It counts every request per path, so tests assert what was (not) fetched.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FeedPage {
  status?: number;
  type?: string;
  body?: string;
  location?: string;
  /** Never answer (a hanging server). */
  hang?: boolean;
  /** Stream this many bytes of XML-ish filler, without Content-Length. */
  streamBytes?: number;
}

export interface FakeFeedServer {
  url: string;
  hits: Map<string, number>;
  setPage(path: string, page: FeedPage): void;
  close(): Promise<void>;
}

export async function startFakeFeedServer(): Promise<FakeFeedServer> {
  const pages = new Map<string, FeedPage>();
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const page = pages.get(path);
    if (!page) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    if (page.hang) return;
    if (page.location) return void res.writeHead(page.status ?? 302, { location: page.location }).end();
    if (page.streamBytes) {
      res.writeHead(200, { 'content-type': 'application/xml' });
      const chunk = Buffer.alloc(16_384, 'x');
      let sent = 0;
      const push = () => {
        while (sent < page.streamBytes! && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', push);
        }
        res.end();
      };
      return push();
    }
    res.writeHead(page.status ?? 200, { 'content-type': page.type ?? 'application/rss+xml; charset=utf-8' }).end(page.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    setPage: (path, page) => void pages.set(path, page),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
