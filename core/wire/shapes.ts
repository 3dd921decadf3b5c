/**
 * The shapes every part of the product shares, defined once: times, Slot, Money, Problem.
 * The widget wire (widget.ts), the merchant schemas (core/<module>/*.schema.ts), the chat tools'
 * results and the HTTP layer derive from these; Money itself is the plugin SDK's (the outermost
 * contract, which may not import the core), re-exported here.
 *
 * Pure module: zod only (and the SDK's pure money.ts).
 */
import { z } from 'zod';

export { moneySchema as MoneySchema, moneyInputSchema as MoneyInputSchema, type Money } from '../../plugins/sdk/money.ts';

/** ISO 8601 date-time with an explicit offset or Z, e.g. "2026-12-01T10:00:00+01:00". */
export const IsoDateTimeSchema = z.iso.datetime({ offset: true }).meta({ example: '2026-12-01T10:00:00+01:00' });
/** Calendar date "YYYY-MM-DD". */
export const IsoDateSchema = z.iso.date().meta({ example: '2026-12-24' });
/** `from`/`to` values: a date (read in the request's `timeZone`, else the store's) or a full ISO time. */
export const DateOrDateTimeSchema = z
  .union([IsoDateSchema, IsoDateTimeSchema])
  .meta({ description: "A date (read in `timeZone`, else the store's zone) or an ISO 8601 time with offset." });

/** A bookable time range, ISO 8601 with the offset of the zone it is shown in. */
export const SlotSchema = z.object({ start: IsoDateTimeSchema, end: IsoDateTimeSchema });
export type Slot = z.infer<typeof SlotSchema>;

/** One invalid field of a 422 validation problem; `path` is dotted ("body.customer.email"). */
export const FieldErrorSchema = z.object({ path: z.string(), message: z.string() });
export type FieldError = z.infer<typeof FieldErrorSchema>;

/**
 * RFC 9457 problem details, served as `application/problem+json` for every 4xx/5xx of the whole
 * HTTP API (design.md §10). `type` is a URI reference such as "/problems/validation"; extra members
 * are allowed.
 */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string().optional(),
    instance: z.string().optional(),
    /** Present on 422 validation problems. */
    errors: z.array(FieldErrorSchema).optional(),
    /** Why the widget's `POST /sessions` was refused: for the developer console (the refusal carries CORS headers), or a reply mail's resume link the widget drops before starting afresh. */
    reason: z.enum(['unknown-bot', 'origin-not-allowed', 'resume-link-invalid', 'resume-link-expired']).optional(),
  })
  .loose()
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });
export type Problem = z.infer<typeof ProblemSchema>;

/** 409 when a slot is taken: the nearest free slots of the same service, soonest first. */
export const SlotTakenProblemSchema = ProblemSchema.extend({
  status: z.literal(409),
  alternatives: z.array(SlotSchema).max(10),
});
export type SlotTakenProblem = z.infer<typeof SlotTakenProblemSchema>;
