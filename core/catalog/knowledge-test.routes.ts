import { z } from 'zod';
import { fromMinorUnits } from '@concierge/plugin-sdk';
import { authOf, type Authenticator } from '../accounts/index.ts';
import type { HttpModule } from '../http/app.ts';
import { defineRoute } from '../http/route.ts';
import type { CatalogSearch } from './catalog.search.ts';
import { plainText } from './catalog.tools.ts';

/**
 * The dashboard's knowledge "test box" (issue 12): a merchant asks a question and sees which
 * products and FAQ entries the assistant's own search tools (`search_products`, `search_faq`,
 * same search, same limits) find for it in this store. Reads only; nothing is stored.
 */

/** What the assistant's tools return by default (catalog.tools.ts). */
const PRODUCT_LIMIT = 5;
const FAQ_LIMIT = 3;

export const KnowledgeTestRequestSchema = z
  .strictObject({ question: z.string().trim().min(1).max(500).meta({ description: 'What a shopper might ask.' }) })
  .meta({ id: 'KnowledgeTestRequest', example: { question: 'Do you have a merino sweater?' } });

export const KnowledgeTestResultSchema = z
  .object({
    question: z.string(),
    products: z.array(
      z.object({ id: z.uuid(), title: z.string(), price: z.object({ amount: z.string(), currency: z.string() }), url: z.string().nullable() }),
    ),
    faq: z.array(z.object({ id: z.uuid(), question: z.string(), answer: z.string() })),
  })
  .meta({ id: 'KnowledgeTestResult' });

export function knowledgeTestHttpModule(deps: { search: CatalogSearch; auth: Authenticator }): HttpModule {
  const { search } = deps;
  return {
    name: 'knowledge-test',
    routes: [
      defineRoute({
        method: 'post',
        path: '/api/v1/knowledge/test',
        summary: "Which products and FAQ entries the assistant's search finds for a question",
        description:
          "Runs the assistant's catalog and FAQ search (the `search_products` and `search_faq` tools, with their default limits) for this store and returns the matches, best first. Nothing is stored and no conversation is started.",
        tags: ['catalog'],
        security: ['bearer'],
        body: KnowledgeTestRequestSchema,
        before: [deps.auth.require('catalog:read')],
        responses: { 200: { description: 'The matches', schema: KnowledgeTestResultSchema } },
        handler: async ({ body, req }) => {
          const { tenantId } = authOf(req);
          const [products, faq] = await Promise.all([search.searchProducts(tenantId, body.question, PRODUCT_LIMIT), search.searchFaq(tenantId, body.question, FAQ_LIMIT)]);
          return {
            question: body.question,
            products: products.map((p) => ({ id: p.id, title: p.title, price: fromMinorUnits(Math.round(Number(p.price_cents)), p.currency), url: p.url })),
            faq: faq.map((f) => ({ id: f.id, question: f.question, answer: plainText(f.answer, 400) })),
          };
        },
      }),
    ],
  };
}
