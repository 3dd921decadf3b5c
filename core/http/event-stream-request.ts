import type { Request } from 'express';

/**
 * A request for an event stream (GET …/events, widget and dashboard): it lives for minutes or hours,
 * so per-request bookkeeping (the latency histogram, the one log line) treats it apart.
 */
export function isEventStreamRequest(req: Request): boolean {
  return req.method === 'GET' && req.path.endsWith('/events');
}

/**
 * What must still happen when an event stream closes after it left Node's HTTP server
 * (core/chat/sse.ts hands its connection over, as an Upgrade does: from then on nothing emits the
 * response's `close`). Registered by per-request bookkeeping (the request log) with closures that
 * hold neither the request nor the response, so both can be collected while the stream stays open.
 */
const closeHooks = new WeakMap<object, (status: number) => void>();

export function onEventStreamClosed(res: object, hook: (status: number) => void): void {
  closeHooks.set(res, hook);
}

/** The hook registered for this response, bound to its status now (the stream's status never changes), if any. */
export function takeEventStreamCloseHook(res: { statusCode: number }): (() => void) | undefined {
  const hook = closeHooks.get(res);
  if (!hook) return undefined;
  closeHooks.delete(res);
  const status = res.statusCode;
  return () => hook(status);
}
