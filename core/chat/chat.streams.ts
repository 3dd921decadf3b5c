import type { Request } from 'express';
import type { Authenticator } from '../accounts/index.ts';
import { EventIdSchema, widgetEventSchemas } from '../wire/widget.ts';
import type { ChatService } from './chat.service.ts';
import type { ChatEventHub, PositionMark, StreamEvent } from './event-hub.ts';
import type { VisitorPresence } from './presence.ts';
import type { LlmResolver, LlmSettingsRepository } from './llm-settings.ts';
import { STREAM_CAPS, type SseStreams } from './sse.ts';
import { visitorOf, type WidgetGate } from '../widget-access/index.ts';

/** What the chat's widget and merchant routes share: their dependencies and the event-stream plumbing. */

export interface ChatHttpDeps {
  service: ChatService;
  gate: WidgetGate;
  hub: ChatEventHub;
  sse: SseStreams;
  auth: Authenticator;
  settings: LlmSettingsRepository;
  llm: LlmResolver;
  clock: () => Date;
  /** `retry:` sent to EventSource clients (ms). */
  sseRetryMs?: number;
  /** Open widget streams mark the shopper as connected (no reply mail for what they see live). */
  presence?: VisitorPresence;
  /** Open streams per visitor / merchant token (tests lower them); defaults: STREAM_CAPS. */
  streamCaps?: { perVisitor?: number; perMerchantToken?: number };
}

export const WIDGET_EVENTS: ReadonlySet<string> = new Set(Object.keys(widgetEventSchemas));
export const problem = (description: string) => ({ description });

/** Where a stream starts: after a logged event, and maybe inside the answer a live delta's id names. */
export interface StreamPosition {
  after: number;
  answer?: { ref: string; offset: number };
}

/** `Last-Event-ID` header (EventSource reconnect) wins over the query's initial position. */
export function streamPosition(req: Request, fromQuery: string | undefined): StreamPosition {
  const header = req.headers['last-event-id'];
  const value = typeof header === 'string' && EventIdSchema.safeParse(header.trim()).success ? header.trim() : fromQuery;
  if (!value) return { after: 0 };
  const [seq, ref, offset] = value.split('.');
  const n = Number(seq);
  const after = Number.isSafeInteger(n) && n > 0 ? n : 0;
  return ref && offset ? { after, answer: { ref, offset: Number(offset) } } : { after };
}

export interface ChatRoutesContext {
  deps: ChatHttpDeps;
  /** `retry:` for EventSource clients (ms). */
  retryMs: number;
  /** The stream cap's key: one visitor (any of its tokens), or one merchant session / API key. */
  capOf(req: Request): { key: string; max: number };
  /** One conversation's stream: replay after the position, then live; `filter` picks the event types. */
  stream(req: Request, res: Parameters<ChatHttpDeps['sse']['open']>[1], tenantId: string, conversationId: string, from: StreamPosition, filter: (e: Exclude<StreamEvent, PositionMark>) => boolean): { onClose(handler: () => void): void };
}

export function chatRoutesContext(deps: ChatHttpDeps): ChatRoutesContext {
  const retryMs = deps.sseRetryMs ?? 3_000;
  /** The stream cap's key: one visitor (any of its tokens), or one merchant session / API key. */
  const capOf = (req: Request): { key: string; max: number } => {
    if (req.auth) {
      const a = req.auth;
      return { key: `m:${a.tenantId}:${a.sessionId ?? a.apiKeyId ?? a.userId ?? 'unknown'}`, max: deps.streamCaps?.perMerchantToken ?? STREAM_CAPS.perMerchantToken };
    }
    const v = visitorOf(req);
    return { key: `v:${v.tenantId}:${v.visitorId}`, max: deps.streamCaps?.perVisitor ?? STREAM_CAPS.perVisitor };
  };

  function stream(req: Request, res: Parameters<typeof deps.sse.open>[1], tenantId: string, conversationId: string, from: StreamPosition, filter: (e: Exclude<StreamEvent, PositionMark>) => boolean) {
    const sse = deps.sse.open(req, res, { retryMs, cap: capOf(req) });
    const subscription = deps.hub.subscribe(
      tenantId,
      conversationId,
      from.after,
      (event) => {
        if (event.type === 'position') sse.position(event.id);
        else if (filter(event)) sse.send(event.seq ?? event.id, event.type, event.data);
      },
      from.answer,
    );
    sse.onClose(() => subscription.close());
    return sse;
  }

  return { deps, retryMs, capOf, stream };
}
