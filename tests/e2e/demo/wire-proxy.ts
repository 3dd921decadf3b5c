/**
 * A forward HTTP proxy on loopback that the browser context sends its traffic through, so a test
 * can cut a live connection the way a flaky network does (Chromium's offline emulation fails new
 * requests but leaves an open EventSource streaming). Plain http only: everything here is loopback.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ProxiedStream {
  url: string;
  lastEventId: string | undefined;
  /** Destroys both sides of this connection (the browser sees a network error mid-stream). */
  cut(): void;
  closed: boolean;
}

export interface WireProxy {
  /** `http://127.0.0.1:<port>` for `browser.newContext({ proxy: { server, bypass: '<-loopback>' } })`. */
  server: string;
  /** Event streams (text/event-stream responses) seen so far, in order. */
  streams: ProxiedStream[];
  /** Cuts every open event stream; returns how many were cut. */
  cutStreams(): number;
  /** Holds new event-stream requests (the browser's reconnects) until `release()`: the network stays down for them. */
  holdStreams(): { release(): void };
  /** Event-stream requests waiting at the proxy right now. */
  readonly held: number;
  close(): Promise<void>;
}

export async function startWireProxy(): Promise<WireProxy> {
  const streams: ProxiedStream[] = [];
  const sockets = new Set<Socket>();
  let gate: Promise<void> | undefined;
  let held = 0;
  const server = http.createServer(async (req, res) => {
    if (gate && String(req.headers.accept ?? '').includes('text/event-stream')) {
      held++;
      await gate;
      held--;
      if (req.socket.destroyed) return;
    }
    // A proxy request carries the absolute URL: `GET http://127.0.0.1:1234/path HTTP/1.1`.
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (target.protocol !== 'http:' || !['127.0.0.1', 'localhost'].includes(target.hostname)) {
      res.writeHead(403).end(); // never leave loopback
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    const upstream = http.request(
      { host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: req.method, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (String(up.headers['content-type'] ?? '').startsWith('text/event-stream')) {
          res.flushHeaders();
          const entry: ProxiedStream = {
            url: target.href,
            lastEventId: typeof req.headers['last-event-id'] === 'string' ? req.headers['last-event-id'] : undefined,
            closed: false,
            cut() {
              if (entry.closed) return;
              entry.closed = true;
              up.destroy();
              req.socket.destroy();
            },
          };
          up.once('close', () => (entry.closed = true));
          req.socket.once('close', () => (entry.closed = true));
          streams.push(entry);
        }
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.destroy();
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    streams,
    cutStreams() {
      const open = streams.filter((s) => !s.closed);
      for (const s of open) s.cut();
      return open.length;
    },
    holdStreams() {
      let open!: () => void;
      const current = new Promise<void>((resolve) => (open = resolve));
      gate = current;
      return {
        release() {
          if (gate === current) gate = undefined;
          open();
        },
      };
    },
    get held() {
      return held;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
