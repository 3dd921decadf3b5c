import express, { type RequestHandler } from 'express';
import type { Authenticator } from '../accounts/index.ts';
import { authOf } from '../accounts/index.ts';
import type { HttpModule } from '../http/app.ts';
import { mapErrors, problems } from '../http/problem.ts';
import { defineRoute, reply } from '../http/route.ts';
import type { ProblemTable } from '../kernel/domain-error.ts';
import { SafeFetchError, type SafeFetcher } from '../security/safe-fetch.ts';
import { parseFaqCsv, parseProductsCsv } from './catalog-csv.ts';
import { parseProductFeed } from './catalog-feed.ts';
import { CatalogError, type CatalogErrorCode } from './catalog.errors.ts';
import type { ImportJobRow, ImportJobsRepository } from './catalog.repository.ts';
import {
  FaqBulkSchema,
  FaqInputSchema,
  FaqListSchema,
  FaqPatchSchema,
  FaqSchema,
  FeedImportBodySchema,
  IdParamsSchema,
  ImportBodySchema,
  ImportJobSchema,
  ImportPreviewSchema,
  ImportQuerySchema,
  ListQuerySchema,
  ProductBulkSchema,
  ProductInputSchema,
  ProductListSchema,
  ProductPatchSchema,
  ProductSchema,
  UpsertCountsSchema,
} from './catalog.schema.ts';
import type { CatalogService } from './catalog.service.ts';

/** Merchant API for the store's own products and FAQ, with CSV imports (issue #18). */

export interface CatalogHttpDeps {
  service: CatalogService;
  jobs: ImportJobsRepository;
  auth: Authenticator;
  /** Wakes the import worker after a job was queued. */
  kick(): void;
  /** Largest CSV upload (text/csv body). */
  csvLimit?: string;
  /** Fetches product feeds from merchant-given URLs (public addresses only). */
  feeds: SafeFetcher;
  /** Feed fetch limits; defaults 15 s, 20 MB, 5 redirects. */
  feedLimits?: { timeoutMs?: number; maxBytes?: number; maxRedirects?: number };
}

function jobBody(row: ImportJobRow) {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    total: row.total,
    processed: row.processed,
    created: row.created,
    updated: row.updated,
    unchanged: row.unchanged,
    errors: row.errors,
    createdAt: row.created_at.toISOString(),
    finishedAt: row.finished_at ? row.finished_at.toISOString() : null,
  };
}

/** The catalog's answers, one per code. */
export const CATALOG_PROBLEMS: ProblemTable<CatalogErrorCode> = {
  NOT_FOUND: { status: 404, slug: 'not-found', title: 'Not found' },
  HANDLE_TAKEN: { status: 409, slug: 'conflict', title: 'Conflict' },
  READ_ONLY: { status: 409, slug: 'conflict', title: 'Conflict' },
  INVALID: { status: 422, slug: 'validation', title: 'Validation failed' },
};

export function catalogHttpModule(deps: CatalogHttpDeps): HttpModule {
  const { service, jobs, auth } = deps;
  const security = ['bearer'];
  // The file itself as text/csv (large files: the JSON parser's limit is small); JSON `{ csv }` also works.
  const csvText = express.text({ type: ['text/csv', 'text/plain', 'application/csv'], limit: deps.csvLimit ?? '20mb' });
  const csvBody: RequestHandler = (req, _res, next) => {
    if (typeof req.body === 'string') req.body = { csv: req.body };
    next();
  };
  const importDescription =
    'Send the file as `Content-Type: text/csv` (or JSON `{ "csv": "..." }`). With `?dryRun=true` the answer is a preview ' +
    '(created / updated / unchanged counts, a sample, row errors by line and column) and nothing is written. Otherwise the ' +
    'valid rows are queued as an import job (202): poll `GET …/imports/{id}` for `{ status, processed, total, errors }`. ' +
    'Rows with errors are skipped and listed; rows of platform-synced products are read-only.';

  const importRoutes = (kind: 'products' | 'faq', base: string, tag: string) => [
    defineRoute({
      method: 'post',
      path: `${base}/imports`,
      summary: `Import ${kind === 'products' ? 'products' : 'FAQ entries'} from CSV (preview with dryRun=true)`,
      description:
        importDescription +
        (kind === 'products'
          ? ' Columns: handle, title, price, currency (required); description, url, image_url or images ("|"), availability, tags, variant_sku, variant_title, variant_price, variant_available, size, color, option_<name>. Rows sharing a handle are variants of one product.'
          : ' Columns: question, answer (required), locale.'),
      tags: [tag],
      security,
      query: ImportQuerySchema,
      body: ImportBodySchema,
      before: [auth.require('catalog:write'), csvText, csvBody],
      responses: { 200: { description: 'Preview (dryRun=true)', schema: ImportPreviewSchema }, 202: { description: 'Import queued', schema: ImportJobSchema } },
      handler: async ({ query, body, req }) => {
        const tenantId = authOf(req).tenantId;
        if (kind === 'products') {
          const parsed = parseProductsCsv(body.csv);
          if (query.dryRun) return service.previewProducts(tenantId, parsed);
          const job = await jobs.create(tenantId, { kind, total: parsed.total, rows: parsed.records, errors: parsed.errors });
          deps.kick();
          return reply(202, jobBody(job), { Location: `${base}/imports/${job.id}` });
        }
        const parsed = parseFaqCsv(body.csv);
        if (query.dryRun) return service.previewFaq(tenantId, parsed);
        const job = await jobs.create(tenantId, { kind, total: parsed.total, rows: parsed.records, errors: parsed.errors });
        deps.kick();
        return reply(202, jobBody(job), { Location: `${base}/imports/${job.id}` });
      },
    }),
    defineRoute({
      method: 'get',
      path: `${base}/imports/:id`,
      summary: 'Progress of an import job',
      tags: [tag],
      security,
      params: IdParamsSchema,
      before: [auth.require('catalog:read')],
      responses: { 200: { description: 'Import job', schema: ImportJobSchema }, 404: { description: 'Not found' } },
      handler: async ({ params, req }) => {
        const row = await jobs.get(authOf(req).tenantId, params.id, kind);
        if (!row) throw problems.notFound('No import with this id in this store.');
        return jobBody(row);
      },
    }),
  ];

  const feedImport = defineRoute({
    method: 'post',
    path: '/api/v1/products/imports/feed',
    summary: 'Import products from a Google Merchant feed at a URL (preview with dryRun=true)',
    description:
      'The server fetches the URL (http or https only; the host must resolve to public addresses only, every redirect is checked again; ' +
      '15 s and 20 MB at most) and reads it as a Google Merchant feed: RSS 2.0 `<item>`s or Atom `<entry>`s with `g:id`, `g:title`, ' +
      '`g:description`, `g:link`, `g:image_link`, `g:additional_image_link`, `g:price` ("129.00 EUR"), `g:availability`, ' +
      '`g:item_group_id` (variants), `g:size`, `g:color`, `g:product_type`, `g:brand`. A URL that cannot be fetched is 422 with the reason. ' +
      'Then as the CSV import: a preview with `dryRun=true`, else a job (202) with progress at `GET /api/v1/products/imports/{id}`; ' +
      'row errors name the item\'s line in the feed and the `g:` field. A sitemap is refused (it lists pages, not products).',
    tags: ['catalog'],
    security,
    query: ImportQuerySchema,
    body: FeedImportBodySchema,
    before: [auth.require('catalog:write')],
    responses: { 200: { description: 'Preview (dryRun=true)', schema: ImportPreviewSchema }, 202: { description: 'Import queued', schema: ImportJobSchema } },
    handler: async ({ query, body, req }) => {
      const tenantId = authOf(req).tenantId;
      let xml: string;
      try {
        const fetched = await deps.feeds.fetch(body.url, { ...deps.feedLimits, accept: 'application/rss+xml, application/atom+xml, application/xml, text/xml;q=0.9, */*;q=0.5' });
        xml = fetched.body.toString('utf8');
      } catch (error) {
        if (error instanceof SafeFetchError) throw problems.validation([{ path: 'url', message: error.message }], `The feed could not be fetched: ${error.message}.`);
        throw error;
      }
      const parsed = parseProductFeed(xml);
      if (query.dryRun) return service.previewProducts(tenantId, parsed);
      const job = await jobs.create(tenantId, { kind: 'products', total: parsed.total, rows: parsed.records, errors: parsed.errors });
      deps.kick();
      return reply(202, jobBody(job), { Location: `/api/v1/products/imports/${job.id}` });
    },
  });

  return {
    name: 'catalog',
    errors: [mapErrors(CatalogError, CATALOG_PROBLEMS)],
    routes: [
      feedImport,
      defineRoute({
        method: 'get',
        path: '/api/v1/products',
        summary: "The store's products, by handle",
        tags: ['catalog'],
        security,
        query: ListQuerySchema,
        before: [auth.require('catalog:read')],
        responses: { 200: { description: 'Products', schema: ProductListSchema } },
        handler: ({ query, req }) => service.listProducts(authOf(req).tenantId, query),
      }),
      defineRoute({
        method: 'post',
        path: '/api/v1/products',
        summary: 'Create a product',
        tags: ['catalog'],
        security,
        body: ProductInputSchema,
        before: [auth.require('catalog:write')],
        responses: { 201: { description: 'Created', schema: ProductSchema }, 409: { description: 'Handle taken' } },
        handler: async ({ body, req }) => reply(201, await service.createProduct(authOf(req).tenantId, body)),
      }),
      defineRoute({
        method: 'post',
        path: '/api/v1/products/bulk',
        summary: 'Create or update up to 1,000 products by handle',
        tags: ['catalog'],
        security,
        body: ProductBulkSchema,
        before: [auth.require('catalog:write')],
        responses: { 200: { description: 'Counts', schema: UpsertCountsSchema }, 409: { description: 'A platform-synced product is read-only' } },
        handler: ({ body, req }) => service.bulkUpsertProducts(authOf(req).tenantId, body.items),
      }),
      ...importRoutes('products', '/api/v1/products', 'catalog'),
      defineRoute({
        method: 'get',
        path: '/api/v1/products/:id',
        summary: 'One product',
        tags: ['catalog'],
        security,
        params: IdParamsSchema,
        before: [auth.require('catalog:read')],
        responses: { 200: { description: 'Product', schema: ProductSchema }, 404: { description: 'Not found' } },
        handler: ({ params, req }) => service.getProduct(authOf(req).tenantId, params.id),
      }),
      defineRoute({
        method: 'patch',
        path: '/api/v1/products/:id',
        summary: 'Change a product (platform-synced products: 409, read-only)',
        tags: ['catalog'],
        security,
        params: IdParamsSchema,
        body: ProductPatchSchema,
        before: [auth.require('catalog:write')],
        responses: { 200: { description: 'Product', schema: ProductSchema }, 404: { description: 'Not found' }, 409: { description: 'Read-only or handle taken' } },
        handler: ({ params, body, req }) => service.updateProduct(authOf(req).tenantId, params.id, body),
      }),
      defineRoute({
        method: 'delete',
        path: '/api/v1/products/:id',
        summary: 'Delete a product (platform-synced products: 409, read-only)',
        tags: ['catalog'],
        security,
        params: IdParamsSchema,
        before: [auth.require('catalog:write')],
        responses: { 204: { description: 'Deleted' }, 404: { description: 'Not found' }, 409: { description: 'Read-only' } },
        handler: async ({ params, req }) => {
          await service.deleteProduct(authOf(req).tenantId, params.id);
        },
      }),

      defineRoute({
        method: 'get',
        path: '/api/v1/faq',
        summary: "The store's FAQ entries, oldest first",
        tags: ['faq'],
        security,
        query: ListQuerySchema,
        before: [auth.require('catalog:read')],
        responses: { 200: { description: 'FAQ entries', schema: FaqListSchema } },
        handler: ({ query, req }) => service.listFaq(authOf(req).tenantId, query),
      }),
      defineRoute({
        method: 'post',
        path: '/api/v1/faq',
        summary: 'Add an FAQ entry',
        tags: ['faq'],
        security,
        body: FaqInputSchema,
        before: [auth.require('catalog:write')],
        responses: { 201: { description: 'Created', schema: FaqSchema } },
        handler: async ({ body, req }) => reply(201, await service.createFaq(authOf(req).tenantId, body)),
      }),
      defineRoute({
        method: 'post',
        path: '/api/v1/faq/bulk',
        summary: 'Create or update up to 1,000 FAQ entries (matched by locale and question)',
        tags: ['faq'],
        security,
        body: FaqBulkSchema,
        before: [auth.require('catalog:write')],
        responses: { 200: { description: 'Counts', schema: UpsertCountsSchema } },
        handler: ({ body, req }) => service.bulkUpsertFaq(authOf(req).tenantId, body.items),
      }),
      ...importRoutes('faq', '/api/v1/faq', 'faq'),
      defineRoute({
        method: 'get',
        path: '/api/v1/faq/:id',
        summary: 'One FAQ entry',
        tags: ['faq'],
        security,
        params: IdParamsSchema,
        before: [auth.require('catalog:read')],
        responses: { 200: { description: 'FAQ entry', schema: FaqSchema }, 404: { description: 'Not found' } },
        handler: ({ params, req }) => service.getFaq(authOf(req).tenantId, params.id),
      }),
      defineRoute({
        method: 'patch',
        path: '/api/v1/faq/:id',
        summary: 'Change an FAQ entry',
        tags: ['faq'],
        security,
        params: IdParamsSchema,
        body: FaqPatchSchema,
        before: [auth.require('catalog:write')],
        responses: { 200: { description: 'FAQ entry', schema: FaqSchema }, 404: { description: 'Not found' } },
        handler: ({ params, body, req }) => service.updateFaq(authOf(req).tenantId, params.id, body),
      }),
      defineRoute({
        method: 'delete',
        path: '/api/v1/faq/:id',
        summary: 'Delete an FAQ entry',
        tags: ['faq'],
        security,
        params: IdParamsSchema,
        before: [auth.require('catalog:write')],
        responses: { 204: { description: 'Deleted' }, 404: { description: 'Not found' } },
        handler: async ({ params, req }) => {
          await service.deleteFaq(authOf(req).tenantId, params.id);
        },
      }),
    ],
  };
}
