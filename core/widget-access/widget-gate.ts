import type { Request, RequestHandler, Response } from 'express';
import { HttpProblem, problems, sendProblem } from '../http/problem.ts';
import { originAllowed, type BotDirectory } from './bot-directory.ts';
import type { VisitorClaims, VisitorTokens } from './visitor-tokens.ts';

/**
 * The door of the widget API (`/widget/v1`): visitor tokens and CORS per bot.
 *
 * - A request's Origin must be one of its bot's allowed origins; otherwise 403 and no
 *   `Access-Control-Allow-Origin` (the browser then shows the page nothing).
 * - Preflights of conversation routes are answered for the conversation's bot; a preflight
 *   of `/sessions` (or another route without a conversation) cannot name a bot (no body, no
 *   token), so it is answered for any origin and the real request is checked instead.
 * - The visitor token comes as `Authorization: Bearer`, or `?token=` where EventSource needs it.
 *   An expired token still names its bot, so its 401 carries CORS headers and the widget can read
 *   it and start a new session.
 *
 * Other modules' widget routes (booking) use `gate.require()` and `visitorOf(req)`.
 */

declare module 'express-serve-static-core' {
  interface Request {
    visitor?: VisitorClaims;
  }
}

export interface WidgetGateOptions {
  tokens: VisitorTokens;
  bots: BotDirectory;
  /** Tenant and bot of a conversation, for preflights (no tenant is known yet). */
  conversationOwner: (conversationId: string) => Promise<{ tenantId: string; botId: string } | undefined>;
  corsMaxAgeSeconds: number;
}

const ALLOW_HEADERS = 'Authorization, Content-Type, Accept, Idempotency-Key, Last-Event-ID';
const CONVERSATION_PATH = /^\/conversations\/([0-9a-fA-F-]{36})(\/|$)/;

/** The visitor of a route guarded by `gate.require()`. */
export function visitorOf(req: Request): VisitorClaims {
  if (!req.visitor) throw problems.unauthorized();
  return req.visitor;
}

export class WidgetGate {
  private readonly owners = new Map<string, { at: number; owner: Promise<{ tenantId: string; botId: string } | undefined> }>();

  constructor(private readonly options: WidgetGateOptions) {}

  /** CORS headers for an origin the bot allows. */
  allow(res: Response, origin: string): void {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Expose-Headers', 'Retry-After, X-Request-Id');
    res.vary('Origin');
  }

  /** Mounted on `/widget/v1` before any route: answers preflights, marks every answer `Vary: Origin`. */
  preflight(): RequestHandler {
    return (req, res, next) => {
      res.vary('Origin');
      const origin = req.headers.origin;
      if (req.method !== 'OPTIONS' || !origin || !req.headers['access-control-request-method']) return next();
      const answer = () => {
        this.allow(res, origin);
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
        res.setHeader('Access-Control-Allow-Headers', ALLOW_HEADERS);
        res.setHeader('Access-Control-Max-Age', String(this.options.corsMaxAgeSeconds));
        res.status(204).end();
      };
      const match = CONVERSATION_PATH.exec(req.path);
      if (!match) return answer();
      this.ownerOf(match[1]!.toLowerCase())
        .then(async (owner) => {
          const entry = owner ? await this.options.bots.find(owner.tenantId, owner.botId) : undefined;
          if (entry && originAllowed(entry.bot, origin)) return answer();
          sendProblem(res, problems.forbidden('This site may not use this conversation.'));
        })
        .catch(next);
    };
  }

  /** Visitor auth for a widget route. */
  require(options: { allowQueryToken?: boolean } = {}): RequestHandler {
    return (req, res, next) => {
      const header = req.headers.authorization;
      const bearer = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
      const query = options.allowQueryToken && typeof req.query.token === 'string' ? req.query.token : undefined;
      const token = bearer ?? query;
      if (!token) return next(problems.unauthorized('Send the visitor token (`Authorization: Bearer <visitorToken>`).'));
      const check = this.options.tokens.check(token);
      if (!check.claims) return next(problems.unauthorized('The visitor token is invalid.'));
      const claims = check.claims;
      this.options.bots
        .find(claims.tenantId, claims.botId)
        .then((entry) => {
          if (!entry) return next(problems.unauthorized('This assistant no longer exists.'));
          const origin = req.headers.origin;
          if (origin) {
            if (!originAllowed(entry.bot, origin)) return next(problems.forbidden(`This assistant may not be used on ${origin}.`));
            this.allow(res, origin);
          }
          if (check.expired) return next(new HttpProblem(401, 'token-expired', 'Unauthorized', 'The visitor token expired; start a new session.', {}, { 'WWW-Authenticate': 'Bearer error="invalid_token"' }));
          req.visitor = claims;
          next();
        })
        .catch(next);
    };
  }

  private ownerOf(conversationId: string) {
    const hit = this.owners.get(conversationId);
    if (hit && Date.now() - hit.at < 60_000) return hit.owner;
    const owner = this.options.conversationOwner(conversationId);
    this.owners.set(conversationId, { at: Date.now(), owner });
    owner.catch(() => this.owners.delete(conversationId));
    if (this.owners.size > 50_000) this.owners.delete(this.owners.keys().next().value!);
    return owner;
  }
}
