import { z } from 'zod';
import { isIanaTimeZone } from '../wire/time-zone.ts';
import { TIME_ZONE_DOC } from '../wire/documented.ts';

/** Wire shapes of the bots merchant API (design.md §10). Theme matches the widget's (core/wire/widget.ts). */

/** An origin as browsers send it in `Origin`: scheme, host, optional port; no path, query or credentials. */
export function normalizeOrigin(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/') return undefined;
  if (/[?#]/.test(value) || !/^https?:\/\/[^/]+\/?$/i.test(value)) return undefined;
  return url.origin;
}

export const OriginSchema = z
  .string()
  .max(253)
  .transform((value, ctx) => {
    const origin = normalizeOrigin(value);
    if (!origin) {
      ctx.addIssue({ code: 'custom', message: `must be an origin such as "https://shop.example" (http or https, host, optional port; no path): ${JSON.stringify(value.slice(0, 80))}` });
      return z.NEVER;
    }
    return origin;
  })
  .meta({
    // normalizeOrigin's rule as far as a pattern can say it (scheme case-insensitive, no path, query or fragment).
    pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\\s]+/?$',
    description: 'An origin: http or https, a host (no user or password), an optional port; no path, query or fragment.',
    example: 'https://shop.example',
  });

export const AllowedOriginsSchema = z
  .array(OriginSchema)
  .max(50)
  .transform((origins) => [...new Set(origins)])
  .meta({ description: 'Origins the widget may run on (CORS and the session check). Repeated origins are kept once.', example: ['https://shop.example'] });

export const BotTimeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine(isIanaTimeZone, 'must be an IANA time zone such as "Europe/Berlin"')
  .meta({ ...TIME_ZONE_DOC, example: 'Europe/Berlin' });

export const BotLocaleSchema = z
  .string()
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 language tag such as "de" or "en-GB"')
  .meta({ example: 'en' });

const HexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a hex color such as "#1a73e8"');
export const BotThemeSchema = z
  .strictObject({
    accentColor: HexColor.optional(),
    accentTextColor: HexColor.optional(),
    position: z.enum(['right', 'left']).optional(),
  })
  .meta({ id: 'BotTheme', example: { accentColor: '#7c3aed' } });

const Clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be a time such as "09:00"');
const DayHours = z
  .array(
    z
      .strictObject({ start: Clock, end: Clock })
      .refine((r) => r.start < r.end, 'start must be before end')
      .meta({ description: '`start` must be before `end` ("24:00" ends a day).' }),
  )
  .max(6);
export const BusinessHoursSchema = z
  .strictObject({
    mon: DayHours.optional(),
    tue: DayHours.optional(),
    wed: DayHours.optional(),
    thu: DayHours.optional(),
    fri: DayHours.optional(),
    sat: DayHours.optional(),
    sun: DayHours.optional(),
  })
  .meta({
    id: 'BusinessHours',
    description: "Hours a person answers chats, in the bot's time zone; a day left out is closed. The assistant tells shoppers whether someone is online from these.",
    example: { mon: [{ start: '09:00', end: '17:00' }], tue: [{ start: '09:00', end: '17:00' }] },
  });

const fields = {
  name: z.string().trim().min(1, 'must not be empty').max(80).meta({ example: 'Shop assistant' }),
  allowedOrigins: AllowedOriginsSchema,
  locale: BotLocaleSchema,
  timeZone: BotTimeZoneSchema,
  greeting: z.string().max(1000).nullable().meta({ example: 'Hi! How can I help?' }),
  persona: z.string().max(4000).nullable().meta({ example: 'You are the friendly assistant of a fashion store.' }),
  theme: BotThemeSchema,
  businessHours: BusinessHoursSchema.nullable(),
  greetings: z
    .record(z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'keys must be language tags such as "de"'), z.string().max(1000))
    .refine((g) => Object.keys(g).length <= 30, 'at most 30 languages')
    .meta({ maxProperties: 30, description: 'Greeting per language of the shopper\'s page ("de", "en-GB"); `greeting` is used for the others.', example: { de: 'Hallo! Wie kann ich helfen?' } }),
};

export const BotCreateSchema = z
  .object({
    name: fields.name,
    allowedOrigins: fields.allowedOrigins,
    locale: fields.locale.optional(),
    timeZone: fields.timeZone.optional(),
    greeting: fields.greeting.optional(),
    persona: fields.persona.optional(),
    theme: fields.theme.optional(),
    businessHours: fields.businessHours.optional(),
    greetings: fields.greetings.optional(),
  })
  .meta({ id: 'BotCreate', example: { name: 'Shop assistant', allowedOrigins: ['https://shop.example'], locale: 'en', timeZone: 'Europe/Berlin' } });

export const BotPatchSchema = z
  .object({
    name: fields.name.optional(),
    allowedOrigins: fields.allowedOrigins.optional(),
    locale: fields.locale.optional(),
    timeZone: fields.timeZone.optional(),
    greeting: fields.greeting.optional(),
    persona: fields.persona.optional(),
    theme: fields.theme.optional(),
    businessHours: fields.businessHours.optional(),
    greetings: fields.greetings.optional(),
  })
  .refine((patch) => Object.values(patch).some((v) => v !== undefined), 'must change at least one field')
  // "at least one field" as JSON Schema: one of the known fields is present.
  .meta({ id: 'BotPatch', anyOf: Object.keys(fields).map((key) => ({ required: [key] })), example: { greeting: 'Hello again!' } });

export const BotSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    publicKey: z.string().meta({ description: 'Goes into the embed snippet (`data-bot`); not a secret.' }),
    allowedOrigins: z.array(z.string()),
    locale: z.string(),
    timeZone: z.string(),
    greeting: z.string().nullable(),
    persona: z.string().nullable(),
    theme: BotThemeSchema,
    businessHours: BusinessHoursSchema.nullable(),
    greetings: z.record(z.string(), z.string()),
    hasIdentitySecret: z.boolean(),
    createdAt: z.iso.datetime({ offset: true }),
    updatedAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'Bot' });

export const BotWithSecretSchema = BotSchema.extend({
  identitySecret: z.string().meta({
    description: "Shown only in this answer. The store's backend signs logged-in customers with it (hex HMAC-SHA256 over the customer id) so the widget can trust them.",
  }),
}).meta({ id: 'BotWithSecret' });

export const BotListSchema = z.object({ items: z.array(BotSchema), nextCursor: z.string().nullable() }).meta({ id: 'BotList' });
export const BotListQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().max(200).optional() });
export const BotParamsSchema = z.object({ id: z.uuid() });
