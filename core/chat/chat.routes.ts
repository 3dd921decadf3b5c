import type { Express } from 'express';
import type { HttpModule } from '../http/app.ts';
import { mapErrors } from '../http/problem.ts';
import type { ProblemTable } from '../kernel/domain-error.ts';
import { WIDGET_API_PREFIX } from '../wire/widget.ts';
import { ChatError, type ChatErrorCode } from './chat.errors.ts';

import { chatMerchantRoutes } from './chat.merchant.routes.ts';
import { chatRoutesContext, type ChatHttpDeps } from './chat.streams.ts';
import { chatWidgetRoutes } from './chat.widget.routes.ts';

export type { ChatHttpDeps } from './chat.streams.ts';

/** The chat engine's HTTP surface: the widget API (chat.widget.routes.ts) and the merchant's conversations and LLM settings (chat.merchant.routes.ts). */

/** The chat's answers, one per code. */
export const CHAT_PROBLEMS: ProblemTable<ChatErrorCode> = {
  UNKNOWN_BOT: { status: 404, slug: 'not-found', title: 'Not found' },
  ORIGIN_NOT_ALLOWED: { status: 403, slug: 'forbidden', title: 'Forbidden' },
  NOT_FOUND: { status: 404, slug: 'not-found', title: 'Not found' },
  RESUME_LINK_INVALID: { status: 422, slug: 'resume-link-invalid', title: 'Invalid conversation link' },
  RESUME_LINK_EXPIRED: { status: 410, slug: 'resume-link-expired', title: 'Conversation link expired' },
};

export function chatHttpModule(deps: ChatHttpDeps): HttpModule {
  const { gate } = deps;
  const ctx = chatRoutesContext(deps);
  const routes = [...chatWidgetRoutes(ctx), ...chatMerchantRoutes(ctx)];

  return {
    name: 'chat',
    errors: [mapErrors(ChatError, CHAT_PROBLEMS)],
    mountRaw(app: Express) {
      // Before the body parser and every route: preflights never reach a handler.
      app.use(WIDGET_API_PREFIX, gate.preflight());
    },
    routes,
  };
}
