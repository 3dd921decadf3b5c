import { z } from 'zod';
import { moneyInputSchema } from '@concierge/plugin-sdk';

/** Wire shapes of the merchant catalog and FAQ API (issue #18), one zod schema per shape. */

const HttpUrl = z.url({ protocol: /^https?$/ }).max(2048);

export const CatalogMoneySchema = moneyInputSchema
  .meta({ id: 'CatalogMoney', description: 'Decimal string in major units plus ISO 4217 code; decimals up to the currency exponent (JPY 0, KWD 3).', example: { amount: '49.90', currency: 'EUR' } });

export const AvailabilitySchema = z.enum(['in_stock', 'out_of_stock', 'preorder', 'backorder']).meta({ id: 'ProductAvailability' });

export const ProductVariantInputSchema = z.strictObject({
  sku: z.string().min(1).max(120).optional(),
  title: z.string().min(1).max(300),
  price: CatalogMoneySchema.optional(),
  available: z.boolean().default(true),
  /** Attributes a shopper filters by, e.g. { size: "L", color: "navy" }. */
  options: z.record(z.string().min(1).max(40), z.string().min(1).max(120)).optional(),
});

const Handle = z
  .string()
  .min(1)
  .max(200)
  // No `i` flag: the document's pattern has no flags (it read "…$/i" and refused every handle).
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only')
  .meta({ example: 'waterproof-rain-shell' });

export const ProductInputSchema = z
  .strictObject({
    handle: Handle,
    title: z.string().trim().min(1).max(300).meta({ example: 'Waterproof Rain Shell' }),
    description: z.string().max(20_000).default(''),
    price: CatalogMoneySchema,
    url: HttpUrl.nullable().optional().meta({ description: "The product's page on the store (what \"View product\" opens).", example: 'https://shop.example/products/rain-shell' }),
    images: z.array(HttpUrl).max(20).default([]),
    availability: AvailabilitySchema.default('in_stock'),
    tags: z.array(z.string().min(1).max(80)).max(50).default([]),
    variants: z.array(ProductVariantInputSchema).max(250).default([]),
  })
  .meta({ id: 'ProductInput' });
export type ProductInputBody = z.output<typeof ProductInputSchema>;

export const ProductPatchSchema = ProductInputSchema.partial().meta({ id: 'ProductPatch' });

export const ProductSchema = z
  .object({
    id: z.uuid(),
    handle: z.string(),
    title: z.string(),
    description: z.string(),
    price: z.object({ amount: z.string(), currency: z.string() }),
    url: z.string().nullable(),
    images: z.array(z.string()),
    availability: AvailabilitySchema,
    tags: z.array(z.string()),
    variants: z.array(z.object({ sku: z.string().optional(), title: z.string(), price: z.object({ amount: z.string(), currency: z.string() }).optional(), available: z.boolean(), options: z.record(z.string(), z.string()).optional() })),
    source: z.string().meta({ description: '"manual" for products made here (API or CSV), "demo", or the id of the platform plugin that syncs it.' }),
    externalId: z.string().nullable(),
    readOnly: z.boolean().meta({ description: 'True for platform-synced products: change them on the platform.' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Product' });

export const ListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
  q: z.string().max(200).optional(),
});

export const ProductListSchema = z.object({ items: z.array(ProductSchema), nextCursor: z.string().nullable() }).meta({ id: 'ProductList' });
export const IdParamsSchema = z.object({ id: z.uuid() });

export const ProductBulkSchema = z.strictObject({ items: z.array(ProductInputSchema).min(1).max(1000) }).meta({ id: 'ProductBulk' });

export const FaqInputSchema = z
  .strictObject({
    question: z.string().trim().min(1).max(1000).meta({ example: 'How long does shipping take?' }),
    answer: z.string().trim().min(1).max(10_000).meta({ example: 'Two to four working days within the EU.' }),
    locale: z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as "de"').default('en'),
  })
  .meta({ id: 'FaqInput' });
export type FaqInputBody = z.output<typeof FaqInputSchema>;
export const FaqPatchSchema = FaqInputSchema.partial().meta({ id: 'FaqPatch' });
export const FaqSchema = z
  .object({ id: z.uuid(), question: z.string(), answer: z.string(), locale: z.string(), createdAt: z.string(), updatedAt: z.string() })
  .meta({ id: 'FaqEntry' });
export const FaqListSchema = z.object({ items: z.array(FaqSchema), nextCursor: z.string().nullable() }).meta({ id: 'FaqList' });
export const FaqBulkSchema = z.strictObject({ items: z.array(FaqInputSchema).min(1).max(1000) }).meta({ id: 'FaqBulk' });

export const UpsertCountsSchema = z
  .object({ created: z.number().int(), updated: z.number().int(), unchanged: z.number().int() })
  .meta({ id: 'UpsertCounts' });

export const ImportRowErrorSchema = z
  .object({ line: z.number().int().meta({ description: '1-based line of the file (the header is line 1).' }), column: z.string().nullable(), message: z.string() })
  .meta({ id: 'ImportRowError' });

export const ImportBodySchema = z
  .strictObject({ csv: z.string().min(1).max(50_000_000).meta({ example: 'handle,title,price,currency\nrain-shell,Rain Shell,129.00,EUR\n' }) })
  .meta({
    id: 'CsvImportBody',
    description: 'The CSV file as text. The route also takes the file itself as `Content-Type: text/csv`.',
  });
export const FeedImportBodySchema = z
  .strictObject({
    url: z.string().min(1).max(2048).meta({ description: 'http(s) URL of a Google Merchant product feed (RSS 2.0 or Atom with g: fields).', example: 'https://shop.example/feeds/google.xml' }),
  })
  .meta({ id: 'FeedImportBody' });
export const ImportQuerySchema = z.object({
  dryRun: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .meta({ description: 'true: only preview what the import would change; nothing is written.' }),
});

export const ImportPreviewSchema = z
  .object({
    dryRun: z.literal(true),
    total: z.number().int().meta({ description: 'Records in the file (products: distinct handles).' }),
    valid: z.number().int(),
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    errors: z.array(ImportRowErrorSchema),
    sample: z.array(z.object({ line: z.number().int(), key: z.string(), action: z.enum(['create', 'update', 'unchanged']), changes: z.array(z.string()) })),
  })
  .meta({ id: 'ImportPreview' });

export const ImportJobSchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(['products', 'faq']),
    status: z.enum(['queued', 'running', 'done', 'failed']),
    total: z.number().int(),
    processed: z.number().int(),
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    errors: z.array(ImportRowErrorSchema),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'ImportJob' });
