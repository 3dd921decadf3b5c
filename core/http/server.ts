import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface RunningServer {
  server: http.Server;
  port: number;
  /**
   * Graceful stop: refuse new connections, let in-flight requests finish (idle keep-alive
   * sockets close at once), and cut whatever is left after `timeoutMs`.
   */
  close(timeoutMs: number): Promise<void>;
}

type MessageClasses = Pick<http.ServerOptions, 'IncomingMessage' | 'ServerResponse'>;
const messageClassesOf = new WeakMap<Express, MessageClasses>();

/**
 * Request and response classes whose instances are born with Express's prototypes. Express
 * re-prototypes every request and response (`Object.setPrototypeOf(req, app.request)`), and V8
 * gives an object re-prototyped after construction a hidden class of its own for every property
 * added later: ~2 KB of heap per connection (issue 13: an idle event stream holds both for hours)
 * and megamorphic property access. Subclasses placed in front of `app.request` / `app.response`
 * make that call a no-op, so all requests share hidden classes again.
 */
function expressMessageClasses(app: Express): MessageClasses {
  const known = messageClassesOf.get(app);
  if (known) return known;
  class AppRequest extends http.IncomingMessage {}
  Object.setPrototypeOf(AppRequest.prototype, app.request);
  app.request = AppRequest.prototype as Express['request'];
  class AppResponse<Request extends http.IncomingMessage = http.IncomingMessage> extends http.ServerResponse<Request> {}
  Object.setPrototypeOf(AppResponse.prototype, app.response);
  app.response = AppResponse.prototype as Express['response'];
  const classes = { IncomingMessage: AppRequest, ServerResponse: AppResponse };
  messageClassesOf.set(app, classes);
  return classes;
}

export async function listen(app: Express, port: number, host: string): Promise<RunningServer> {
  const server = http.createServer(expressMessageClasses(app), app);
  // Slow-loris protection and proxy-friendly keep-alive.
  server.headersTimeout = 20_000;
  server.requestTimeout = 0; // event streams are long-lived; handlers enforce their own limits
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    port: address.port,
    close: (timeoutMs) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
        timer.unref();
        // Keep-alive sockets become idle as their last response ends: close them as they do.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        sweep.unref();
        server.close(() => {
          clearTimeout(timer);
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
