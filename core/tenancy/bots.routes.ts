import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Authenticator } from '../accounts/index.ts';
import { authOf } from '../accounts/index.ts';
import type { HttpModule } from '../http/app.ts';
import { problems } from '../http/problem.ts';
import { decodeKeyset, encodeKeyset } from '../kernel/cursor.ts';
import { defineRoute, reply } from '../http/route.ts';
import { SecretBox } from '../security/secret-box.ts';
import { BotCreateSchema, BotListQuerySchema, BotListSchema, BotParamsSchema, BotPatchSchema, BotSchema, BotWithSecretSchema } from './bots.schema.ts';
import type { BotRow, TenancyRepository } from './tenancy.repository.ts';

/** SecretBox purpose of bots' identity secrets: whoever verifies visitor identities opens them with it. */
export const BOT_IDENTITY_SECRET_PURPOSE = 'bot-identity-secret';
export const botIdentitySecretBox = (secretKey: string) => new SecretBox(secretKey, BOT_IDENTITY_SECRET_PURPOSE);

/** The decrypted identity secret of a bot, or undefined when it has none. */
export function openBotIdentitySecret(box: SecretBox, bot: Pick<BotRow, 'identity_secret_encrypted'>): string | undefined {
  return bot.identity_secret_encrypted ? box.open(bot.identity_secret_encrypted) : undefined;
}

const newIdentitySecret = () => `cis_${randomBytes(32).toString('base64url')}`;

export function botBody(row: BotRow) {
  return {
    id: row.id,
    name: row.name,
    publicKey: row.public_key,
    allowedOrigins: row.allowed_origins,
    locale: row.locale,
    timeZone: row.time_zone,
    greeting: row.greeting,
    persona: row.persona,
    theme: row.theme as z.infer<typeof BotSchema>['theme'],
    businessHours: row.business_hours ?? null,
    greetings: row.greetings ?? {},
    hasIdentitySecret: Boolean(row.identity_secret_encrypted),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}


/** Merchant API for bots (design.md §10). */
export function botsHttpModule(deps: { tenancy: TenancyRepository; auth: Authenticator; identitySecrets: SecretBox }): HttpModule {
  const { tenancy, auth, identitySecrets } = deps;
  const security = ['bearer'];
  const notFound = () => problems.notFound('No bot with this id in this store.');

  return {
    name: 'bots',
    routes: [
      defineRoute({
        method: 'post',
        path: '/api/v1/bots',
        summary: 'Create a bot (the identity secret is shown only in this answer)',
        tags: ['bots'],
        security,
        body: BotCreateSchema,
        before: [auth.require('bots:write')],
        responses: { 201: { description: 'Created', schema: BotWithSecretSchema } },
        handler: async ({ body, req }) => {
          const tenantId = authOf(req).tenantId;
          const identitySecret = newIdentitySecret();
          const tenant = await tenancy.getTenant(tenantId);
          const row = await tenancy.createBot(tenantId, {
            ...body,
            locale: body.locale ?? tenant?.locale,
            timeZone: body.timeZone ?? tenant?.time_zone,
            identitySecretEncrypted: identitySecrets.seal(identitySecret),
          });
          return reply(201, { ...botBody(row), identitySecret });
        },
      }),
      defineRoute({
        method: 'get',
        path: '/api/v1/bots',
        summary: 'Bots of this store, oldest first',
        tags: ['bots'],
        security,
        query: BotListQuerySchema,
        before: [auth.require('bots:read')],
        responses: { 200: { description: 'Bots', schema: BotListSchema } },
        handler: async ({ query, req }) => {
          const after = decodeKeyset('bots', query.cursor);
          const rows = await tenancy.listBotsPage(authOf(req).tenantId, { limit: query.limit + 1, after: after && { createdAt: after.at, id: after.id } });
          const page = rows.slice(0, query.limit);
          const last = page.at(-1);
          return {
            items: page.map(botBody),
            nextCursor: rows.length > query.limit && last ? encodeKeyset('bots', last.created_at, last.id) : null,
          };
        },
      }),
      defineRoute({
        method: 'get',
        path: '/api/v1/bots/:id',
        summary: 'One bot',
        tags: ['bots'],
        security,
        params: BotParamsSchema,
        before: [auth.require('bots:read')],
        responses: { 200: { description: 'Bot', schema: BotSchema }, 404: { description: 'Not found' } },
        handler: async ({ params, req }) => {
          const row = await tenancy.getBot(authOf(req).tenantId, params.id);
          if (!row) throw notFound();
          return botBody(row);
        },
      }),
      defineRoute({
        method: 'patch',
        path: '/api/v1/bots/:id',
        summary: 'Change a bot',
        tags: ['bots'],
        security,
        params: BotParamsSchema,
        body: BotPatchSchema,
        before: [auth.require('bots:write')],
        responses: { 200: { description: 'Bot', schema: BotSchema }, 404: { description: 'Not found' } },
        handler: async ({ params, body, req }) => {
          const row = await tenancy.updateBot(authOf(req).tenantId, params.id, body);
          if (!row) throw notFound();
          return botBody(row);
        },
      }),
      defineRoute({
        method: 'post',
        path: '/api/v1/bots/:id/identity-secret',
        summary: 'Replace the identity secret (shown only in this answer; the old one stops working)',
        tags: ['bots'],
        security,
        params: BotParamsSchema,
        before: [auth.require('bots:write')],
        responses: { 200: { description: 'Bot with its new secret', schema: BotWithSecretSchema }, 404: { description: 'Not found' } },
        handler: async ({ params, req }) => {
          const identitySecret = newIdentitySecret();
          const row = await tenancy.updateBot(authOf(req).tenantId, params.id, { identitySecretEncrypted: identitySecrets.seal(identitySecret) });
          if (!row) throw notFound();
          return { ...botBody(row), identitySecret };
        },
      }),
      defineRoute({
        method: 'delete',
        path: '/api/v1/bots/:id',
        summary: 'Delete a bot',
        tags: ['bots'],
        security,
        params: BotParamsSchema,
        before: [auth.require('bots:write')],
        responses: { 204: { description: 'Deleted' }, 404: { description: 'Not found' }, 409: { description: 'Still referenced' } },
        handler: async ({ params, req }) => {
          try {
            if (!(await tenancy.deleteBot(authOf(req).tenantId, params.id))) throw notFound();
          } catch (error) {
            if ((error as { code?: string }).code === '23503') throw problems.conflict('Other records still refer to this bot; they must go first.');
            throw error;
          }
          return reply(204);
        },
      }),
    ],
  };
}
