import { z } from 'zod';
import type { Authenticator } from '../accounts/index.ts';
import { authOf } from '../accounts/index.ts';
import type { HttpModule } from '../http/app.ts';
import { problems } from '../http/problem.ts';
import { defineRoute, reply } from '../http/route.ts';
import type { ComplianceService } from './compliance.ts';
import type { InstallationsService } from './installations.service.ts';
import type { InstallationRow, PluginStateRepository } from './plugin-state.repository.ts';
import { PLUGIN_HOST_ERROR_MAPPINGS } from './plugin-errors.problems.ts';

/** Merchant API of the plugin host (issue #10): connected platforms, dead letters, privacy exports. */

export const InstallationSchema = z
  .object({
    id: z.uuid(),
    platform: z.string().meta({ description: 'The plugin id, e.g. "shopify"' }),
    externalId: z.string().meta({ description: 'The platform account, e.g. "<shop>.myshopify.com"' }),
    status: z.enum(['active', 'uninstalled', 'reconnect_needed']),
    lastError: z.string().nullable(),
    sync: z.object({
      status: z.enum(['idle', 'queued', 'running', 'done', 'failed']),
      done: z.number().int(),
      total: z.number().int().nullable(),
      lastError: z.string().nullable(),
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Installation' });

const InstallationListSchema = z.object({ items: z.array(InstallationSchema) }).meta({ id: 'InstallationList' });
const IdParamsSchema = z.object({ id: z.uuid() });

const DeadLetterSchema = z
  .object({ plugin: z.string(), deliveryId: z.string(), topic: z.string(), attempts: z.number().int(), lastError: z.string().nullable(), receivedAt: z.string(), failedAt: z.string().nullable() })
  .meta({ id: 'WebhookDeadLetter' });

const ExportSummarySchema = z.object({
  id: z.uuid(),
  plugin: z.string().nullable(),
  customerId: z.string().nullable(),
  email: z.string().nullable(),
  requestId: z.string().nullable(),
  createdAt: z.string(),
});
const ExportSchema = ExportSummarySchema.extend({ data: z.record(z.string(), z.unknown()) }).meta({ id: 'PrivacyExport' });

export function installationBody(row: InstallationRow): z.infer<typeof InstallationSchema> {
  return {
    id: row.id,
    platform: row.plugin_id,
    externalId: row.external_id,
    status: row.status as 'active',
    lastError: row.last_error ?? null,
    sync: { status: (row.sync_status ?? 'idle') as 'idle', done: row.sync_done ?? 0, total: row.sync_total ?? null, lastError: row.sync_last_error ?? null },
    createdAt: (row.created_at ?? new Date()).toISOString(),
    updatedAt: (row.updated_at ?? new Date()).toISOString(),
  };
}

const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : value === null || value === undefined ? null : String(value));

export function installationsHttpModule(deps: { repository: PluginStateRepository; installations: InstallationsService; compliance: ComplianceService; auth: Authenticator }): HttpModule {
  const { repository, installations, compliance, auth } = deps;
  const security = ['bearer'];
  return {
    name: 'installations',
    errors: PLUGIN_HOST_ERROR_MAPPINGS,
    routes: [
      defineRoute({
        method: 'get',
        path: '/api/v1/installations',
        summary: "The store's connected platforms, with status and catalog sync progress",
        tags: ['plugins'],
        security,
        before: [auth.require('plugins:read')],
        responses: { 200: { description: 'Installations', schema: InstallationListSchema } },
        handler: async ({ req }) => ({ items: (await repository.listInstallations(authOf(req).tenantId)).map(installationBody) }),
      }),
      defineRoute({
        method: 'get',
        path: '/api/v1/installations/:id',
        summary: 'One connected platform',
        tags: ['plugins'],
        security,
        params: IdParamsSchema,
        before: [auth.require('plugins:read')],
        responses: { 200: { description: 'Installation', schema: InstallationSchema }, 404: { description: 'Not found' } },
        handler: async ({ params, req }) => {
          const row = await repository.getInstallation(authOf(req).tenantId, params.id);
          if (!row || row.status === 'redacted') throw problems.notFound('No installation with this id in this store.');
          return installationBody(row);
        },
      }),
      defineRoute({
        method: 'delete',
        path: '/api/v1/installations/:id',
        summary: 'Disconnect a platform: its tokens are dropped and the widget stops on its storefront',
        tags: ['plugins'],
        security,
        params: IdParamsSchema,
        before: [auth.require('plugins:write')],
        responses: { 204: { description: 'Disconnected' }, 404: { description: 'Not found' } },
        handler: async ({ params, req }) => {
          const tenantId = authOf(req).tenantId;
          const row = await repository.getInstallation(tenantId, params.id);
          if (!row || row.status === 'redacted') throw problems.notFound('No installation with this id in this store.');
          await installations.uninstall(tenantId, row.id, 'merchant');
          return reply(204);
        },
      }),
      defineRoute({
        method: 'get',
        path: '/api/v1/webhook-deliveries/dead',
        summary: 'Webhook deliveries whose processing failed after every retry (dead letters)',
        tags: ['plugins'],
        security,
        before: [auth.require('plugins:read')],
        responses: { 200: { description: 'Dead letters', schema: z.object({ items: z.array(DeadLetterSchema) }) } },
        handler: async ({ req }) => ({
          items: (await repository.listDeadDeliveries(authOf(req).tenantId)).map((r) => ({
            plugin: r.plugin_id,
            deliveryId: r.delivery_id,
            topic: r.topic,
            attempts: r.attempts,
            lastError: r.error ?? null,
            receivedAt: iso(r.received_at)!,
            failedAt: iso(r.processed_at),
          })),
        }),
      }),
      defineRoute({
        method: 'get',
        path: '/api/v1/privacy/exports',
        summary: "Exports of a customer's data the platforms requested (customers/data_request), newest first",
        tags: ['plugins'],
        security,
        before: [auth.require('plugins:read')],
        responses: { 200: { description: 'Exports', schema: z.object({ items: z.array(ExportSummarySchema) }) } },
        handler: async ({ req }) => ({
          items: (await compliance.listExports(authOf(req).tenantId)).map((r) => ({
            id: r.id,
            plugin: r.plugin_id,
            customerId: r.customer_id,
            email: r.email,
            requestId: r.request_id,
            createdAt: iso(r.created_at)!,
          })),
        }),
      }),
      defineRoute({
        method: 'get',
        path: '/api/v1/privacy/exports/:id',
        summary: 'One export: everything we held about the customer when it was requested',
        tags: ['plugins'],
        security,
        params: IdParamsSchema,
        before: [auth.require('plugins:read')],
        responses: { 200: { description: 'Export', schema: ExportSchema }, 404: { description: 'Not found' } },
        handler: async ({ params, req }) => {
          const r = await compliance.getExport(authOf(req).tenantId, params.id);
          if (!r) throw problems.notFound('No export with this id in this store.');
          return { id: r.id, plugin: r.plugin_id, customerId: r.customer_id, email: r.email, requestId: r.request_id, createdAt: iso(r.created_at)!, data: r.data };
        },
      }),
    ],
  };
}
