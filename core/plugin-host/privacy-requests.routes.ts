import { z } from 'zod';
import type { Authenticator } from '../accounts/index.ts';
import { authOf } from '../accounts/index.ts';
import type { HttpModule } from '../http/app.ts';
import { defineRoute } from '../http/route.ts';
import type { ComplianceService } from './compliance.ts';

/**
 * The merchant's own privacy requests by email (WordPress "Export/Erase Personal Data" calls these with a
 * tenant API key): the same executors as the platforms' customers/data_request and customers/redact.
 */

const EmailBodySchema = z.object({ email: z.email().max(254) }).meta({ id: 'PrivacyEmailRequest' });

const ExportByEmailSchema = z
  .object({
    email: z.string(),
    exportId: z.uuid(),
    conversations: z.array(z.object({ id: z.string(), startedAt: z.string().nullable(), messages: z.array(z.object({ role: z.string(), text: z.string(), at: z.string().nullable() })) })),
    bookings: z.array(z.object({ id: z.string(), status: z.string(), start: z.string().nullable(), customer: z.object({ name: z.string().nullable(), email: z.string().nullable(), phone: z.string().nullable() }) })),
  })
  .meta({ id: 'PrivacyExportByEmail' });

const EraseByEmailSchema = z.object({ conversationsErased: z.number().int(), bookingsErased: z.number().int(), ordersErased: z.number().int() }).meta({ id: 'PrivacyErasure' });

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v === null || v === undefined ? null : String(v));
const SOURCE = 'merchant-api';

export function privacyRequestsHttpModule(deps: { compliance: ComplianceService; auth: Authenticator }): HttpModule {
  const { compliance, auth } = deps;
  return {
    name: 'privacy-requests',
    routes: [
      defineRoute({
        method: 'post',
        path: '/api/v1/privacy/export',
        summary: 'Export everything held for an email address (conversations, bookings); also kept under /api/v1/privacy/exports',
        tags: ['plugins'],
        security: ['bearer'],
        body: EmailBodySchema,
        before: [auth.require('plugins:write')],
        responses: { 200: { description: 'The export', schema: ExportByEmailSchema } },
        handler: async ({ body, req }) => {
          const tenantId = authOf(req).tenantId;
          const email = body.email.trim().toLowerCase();
          const exportId = await compliance.exportCustomer(tenantId, { pluginId: SOURCE, externalId: SOURCE, email });
          const row = await compliance.getExport(tenantId, exportId);
          const data = (typeof row?.data === 'string' ? JSON.parse(row.data) : row?.data) as {
            conversations?: { id: string; created_at?: unknown; messages?: { role: string; text: string | null; created_at?: unknown }[] }[];
            bookings?: { id: string; status: string; start_at?: unknown; customer_name?: string | null; customer_email?: string | null; customer_phone?: string | null }[];
          };
          return {
            email,
            exportId,
            conversations: (data?.conversations ?? []).map((c) => ({
              id: c.id,
              startedAt: iso(c.created_at),
              messages: (c.messages ?? []).map((m) => ({ role: m.role, text: m.text ?? '', at: iso(m.created_at) })),
            })),
            bookings: (data?.bookings ?? []).map((b) => ({
              id: b.id,
              status: b.status,
              start: iso(b.start_at),
              customer: { name: b.customer_name ?? null, email: b.customer_email ?? null, phone: b.customer_phone ?? null },
            })),
          };
        },
      }),
      defineRoute({
        method: 'post',
        path: '/api/v1/privacy/erase',
        summary: "Erase what is held for an email address: its conversations are deleted, its bookings' personal fields anonymised",
        tags: ['plugins'],
        security: ['bearer'],
        body: EmailBodySchema,
        before: [auth.require('plugins:write')],
        responses: { 200: { description: 'What was erased', schema: EraseByEmailSchema } },
        handler: async ({ body, req }) => {
          const erased = await compliance.redactCustomer(authOf(req).tenantId, { pluginId: SOURCE, externalId: SOURCE, email: body.email.trim().toLowerCase() });
          return { conversationsErased: erased.conversations, bookingsErased: erased.bookings, ordersErased: erased.orders };
        },
      }),
    ],
  };
}
