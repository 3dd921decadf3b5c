import type { AnalyticsEvent, Rating } from '../analytics/index.ts';

/** What the chat engine needs of analytics (core/analytics): record events, record ratings. */
export interface ChatAnalytics {
  record(event: AnalyticsEvent): void;
  rateConversation(tenantId: string, conversationId: string, visitorId: string | undefined, rating: Rating, comment?: string): void;
}
