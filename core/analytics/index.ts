/** The analytics module's public surface: what chat, booking and the composition root import. */
export { AnalyticsRecorder, type AnalyticsRecorderOptions, type DropReason } from './analytics.recorder.ts';
export { AnalyticsService, type AnalyticsDay } from './analytics.service.ts';
export { AnalyticsRollups, type RollupRun } from './analytics.rollups.ts';
export { createAnalytics, type Analytics, type AnalyticsDeps } from './analytics.module.ts';
export { analyticsEventSchema, ANALYTICS_EVENT_TYPES, type AnalyticsEvent, type AnalyticsEventType, type Rating } from './events.schema.ts';
export { conversationRatingBodySchema, type AnalyticsSummary, type AnalyticsTimeseries, type AnalyticsPoint, type ConversationRatingBody } from './analytics.schema.ts';
export { estimateCostUsd, priceOf, MODEL_PRICES, DEFAULT_PRICE } from './model-pricing.ts';
