/**
 * Widget access: the storefront's door to the core, shared by chat and booking — bots as the
 * widget sees them and their allowed origins, visitor tokens, identity verification of signed-in
 * shoppers, and the gate (CORS + token check) in front of every `/widget/v1` route.
 */
export { originAllowed, type BotDirectory, type BotEntry } from './bot-directory.ts';
export type { ConversationLinkClaims, ConversationLinks, ConversationLinkUse } from './conversation-links.ts';
export type { IdentityVerifier } from './identity.ts';
export type { VisitorClaims, VisitorTokens } from './visitor-tokens.ts';
export { createWidgetAccess, type WidgetAccess, type WidgetAccessDeps } from './widget-access.module.ts';
export { visitorOf, type WidgetGate } from './widget-gate.ts';
