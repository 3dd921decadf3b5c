/**
 * Why the server would not start a chat session, in one plain sentence for the merchant who opens
 * the browser console (developer-facing, so English only; shoppers see the panel's offline state).
 * The server's refusals carry CORS headers and a `reason`, so the widget can tell them apart from
 * a server that cannot be reached.
 */
import { ApiError, NetworkError } from './api.ts';

export interface Refusal {
  /** `error`: retrying will not help (fix the snippet or the bot); `warn`: the widget retries. */
  level: 'error' | 'warn';
  message: string;
}

export function explainRefusal(error: unknown, context: { botKey: string; apiBase: string; origin: string }): Refusal {
  const prefix = '[Concierge]';
  if (error instanceof ApiError) {
    const reason = error.problem?.reason;
    const detail = error.problem?.detail ? ` (${error.problem.detail})` : '';
    if (reason === 'origin-not-allowed' || (error.status === 403 && !reason)) {
      return {
        level: 'error',
        message: `${prefix} Chat refused: this site (${context.origin}) is not an allowed origin of the assistant with key ${context.botKey}. Add ${context.origin} to the bot's allowed origins in the dashboard.`,
      };
    }
    if (reason === 'unknown-bot' || error.status === 404) {
      return { level: 'error', message: `${prefix} Chat refused: no assistant has the key "${context.botKey}" on ${context.apiBase}. Check data-bot in the snippet.` };
    }
    if (error.status === 429) {
      return { level: 'warn', message: `${prefix} Chat rate limited: too many new sessions from this address; the widget tries again shortly${detail}.` };
    }
    if (error.status >= 500) {
      return { level: 'warn', message: `${prefix} The chat server answered ${error.status}; the widget tries again shortly${detail}.` };
    }
    return { level: 'error', message: `${prefix} Chat refused (HTTP ${error.status})${detail}.` };
  }
  if (error instanceof NetworkError) {
    return { level: 'warn', message: `${prefix} The chat server ${context.apiBase} is not reachable (offline, DNS or blocked); the widget tries again shortly.` };
  }
  return { level: 'warn', message: `${prefix} Could not start the chat: ${error instanceof Error ? error.message : String(error)}.` };
}
