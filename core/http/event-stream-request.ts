import type { Request } from 'express';

/**
 * A request for an event stream (GET …/events, widget and dashboard): it lives for minutes or hours,
 * so per-request bookkeeping (the latency histogram, the one log line) treats it apart.
 */
export function isEventStreamRequest(req: Request): boolean {
  return req.method === 'GET' && req.path.endsWith('/events');
}
