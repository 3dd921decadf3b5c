import type { Logger } from 'pino';
import { deriveKey, SecretBox } from '../security/secret-box.ts';
import { BOT_IDENTITY_PURPOSE } from '../tenancy/index.ts';
import type { TenancyRepository } from '../tenancy/index.ts';
import { BotDirectory } from './bot-directory.ts';
import { ConversationLinks } from './conversation-links.ts';
import { IdentityVerifier } from './identity.ts';
import { VisitorTokens } from './visitor-tokens.ts';
import { WidgetGate } from './widget-gate.ts';

/** The storefront's door, shared by every module with widget routes (chat, booking). */
export interface WidgetAccess {
  /** Bots as the widget API caches them; `forget`/`clear` after a change. */
  bots: BotDirectory;
  tokens: VisitorTokens;
  /** Signed mail links to one conversation (resume it in the widget, stop its reply mails). */
  links: ConversationLinks;
  identity: IdentityVerifier;
  /** Origin check, CORS and visitor tokens for `/widget/v1` routes. */
  gate: WidgetGate;
}

export interface WidgetAccessDeps {
  tenancy: TenancyRepository;
  secretKey: string;
  logger: Logger;
  clock: () => Date;
  corsMaxAgeSeconds: number;
  /** Tenant and bot of a conversation, for preflights (the chat module answers it). */
  conversationOwner: (conversationId: string) => Promise<{ tenantId: string; botId: string } | undefined>;
  botCacheMs?: number | undefined;
}

export function createWidgetAccess(deps: WidgetAccessDeps): WidgetAccess {
  const bots = new BotDirectory(deps.tenancy, deps.botCacheMs);
  const tokens = new VisitorTokens(deriveKey(deps.secretKey, 'visitor-tokens'), deps.clock);
  const links = new ConversationLinks(deriveKey(deps.secretKey, 'conversation-links'), deps.clock);
  const identity = new IdentityVerifier(new SecretBox(deps.secretKey, BOT_IDENTITY_PURPOSE), deps.logger);
  const gate = new WidgetGate({ tokens, bots, conversationOwner: deps.conversationOwner, corsMaxAgeSeconds: deps.corsMaxAgeSeconds });
  return { bots, tokens, links, identity, gate };
}
