/**
 * The merchant API's wire types, in the one place the dashboard (storefront-apps/dashboard) may
 * import from the core. TYPES only: each is inferred from the zod schema the route validates with
 * and the OpenAPI document is generated from, so the dashboard and the server cannot drift apart.
 * `import type` everywhere: nothing of the server (nor zod) reaches a browser bundle.
 */
import type { z } from 'zod';
import type * as accounts from '../accounts/accounts.schema.ts';
import type * as notificationPrefs from '../accounts/notification-prefs.routes.ts';
import type * as analytics from '../analytics/analytics.schema.ts';
import type * as booking from '../booking/booking.schema.ts';
import type * as catalog from '../catalog/catalog.schema.ts';
import type * as chat from '../chat/conversations.schema.ts';
import type * as knowledgeTest from '../catalog/knowledge-test.routes.ts';
import type * as bots from '../tenancy/bots.schema.ts';

export type { Card, ProductCard, BookingProposalCard, Problem } from './widget.ts';

// accounts
export type SignInResponse = z.infer<typeof accounts.SignInResponseSchema>;
export type Me = z.infer<typeof accounts.MeSchema>;
export type Role = z.infer<typeof accounts.RoleSchema>;
export type Member = z.infer<typeof accounts.MemberSchema>;
export type Invite = z.infer<typeof accounts.InviteSchema>;
export type InvitePreview = z.infer<typeof accounts.InvitePreviewSchema>;
export type ApiKey = z.infer<typeof accounts.ApiKeySchema>;
export type ApiKeyCreated = z.infer<typeof accounts.ApiKeyCreatedSchema>;
export type AuditEntry = z.infer<typeof accounts.AuditEntrySchema>;
export type NotificationPrefs = z.infer<typeof notificationPrefs.NotificationPrefsSchema>;

// bots
export type Bot = z.infer<typeof bots.BotSchema>;
export type BotWithSecret = z.infer<typeof bots.BotWithSecretSchema>;
export type BotCreate = z.input<typeof bots.BotCreateSchema>;
export type BotPatch = z.input<typeof bots.BotPatchSchema>;

// conversations and LLM settings
export type ConversationStatus = z.infer<typeof chat.ConversationStatusSchema>;
export type ConversationSummary = z.infer<typeof chat.ConversationSummarySchema>;
export type ConversationDetail = z.infer<typeof chat.ConversationDetailSchema>;
export type MerchantMessage = z.infer<typeof chat.MerchantMessageSchema>;
export type LlmSettings = z.infer<typeof chat.LlmSettingsSchema>;
export type UpdateLlmSettings = z.input<typeof chat.UpdateLlmSettingsSchema>;

// booking
export type Service = z.infer<typeof booking.ServiceSchema>;
export type ServiceCreate = z.input<typeof booking.ServiceCreateSchema>;
export type Resource = z.infer<typeof booking.ResourceSchema>;
export type ResourceCreate = z.input<typeof booking.ResourceCreateSchema>;
export type WeeklyHours = z.infer<typeof booking.WeeklyHoursSchema>;
export type ResourceOverride = z.infer<typeof booking.OverrideSchema>;
export type Booking = z.infer<typeof booking.BookingSchema>;
export type BookingNotification = z.infer<typeof booking.NotificationSchema>;

// knowledge (products and FAQ of sites without a platform)
export type Product = z.infer<typeof catalog.ProductSchema>;
export type ProductInput = z.input<typeof catalog.ProductInputSchema>;
export type FaqEntry = z.infer<typeof catalog.FaqSchema>;
export type ImportPreview = z.infer<typeof catalog.ImportPreviewSchema>;
export type ImportJob = z.infer<typeof catalog.ImportJobSchema>;
export type KnowledgeTestResult = z.infer<typeof knowledgeTest.KnowledgeTestResultSchema>;

// analytics
export type AnalyticsSummary = z.infer<typeof analytics.analyticsSummarySchema>;
export type AnalyticsTimeseries = z.infer<typeof analytics.analyticsTimeseriesSchema>;

/** Every list: `{ items, nextCursor }`. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
