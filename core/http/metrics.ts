import type { RequestHandler } from 'express';
import client from 'prom-client';
import { isEventStreamRequest } from './event-stream-request.ts';

/** One prom-client registry per application instance (tests run several in one process). */
export class Metrics {
  readonly registry = new client.Registry();
  readonly httpDuration: client.Histogram<'method' | 'route' | 'status'>;

  constructor() {
    client.collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new client.Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route template',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
  }

  counter<L extends string>(name: string, help: string, labelNames: L[] = []): client.Counter<L> {
    return new client.Counter({ name, help, labelNames, registers: [this.registry] });
  }

  gauge<L extends string>(name: string, help: string, labelNames: L[] = []): client.Gauge<L> {
    return new client.Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  /**
   * Labels by the matched route template, never the raw URL, so ids do not explode cardinality.
   * Event streams are left out: a stream open for an hour is not an hour of request latency (it
   * would land in the top bucket and skew every quantile), and a timer held per open stream is
   * memory for nothing; `chat_event_streams_open` counts them.
   */
  middleware(): RequestHandler {
    return (req, res, next) => {
      if (isEventStreamRequest(req)) return next();
      const end = this.httpDuration.startTimer();
      res.on('finish', () => {
        const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
        end({ method: req.method, route, status: String(res.statusCode) });
      });
      next();
    };
  }
}
