import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { HttpModule } from '../http/app.ts';
import { problems } from '../http/problem.ts';
import { defineRoute } from '../http/route.ts';
import type { AccountsRepository } from './accounts.repository.ts';
import { authOf, type Authenticator } from './auth-context.ts';

/** Each member's own notification choices (issue #18): mail me when a shopper asks for a person. */

export const NotificationPrefsSchema = z
  .strictObject({ handoffEmail: z.boolean().meta({ description: 'Mail me when a shopper asks for a person.' }) })
  .meta({ id: 'NotificationPrefs', example: { handoffEmail: true } });

export function notificationPrefsHttpModule(deps: { db: Database; accounts: AccountsRepository; auth: Authenticator }): HttpModule {
  const security = ['bearer'];
  const personOnly = (userId: string | null) => {
    if (!userId) throw problems.forbidden('Notification choices belong to a person; an API key has none.');
    return userId;
  };
  return {
    name: 'notification-prefs',
    routes: [
      defineRoute({
        method: 'get',
        path: '/api/v1/me/notifications',
        summary: 'My notification choices',
        tags: ['me'],
        security,
        before: [deps.auth.require('account:self')],
        responses: { 200: { description: 'Choices', schema: NotificationPrefsSchema } },
        handler: async ({ req }) => {
          const { tenantId, userId } = authOf(req);
          const prefs = await deps.db.tenant(tenantId, (trx) => deps.accounts.notificationPrefs(trx, tenantId, personOnly(userId)));
          if (!prefs) throw problems.notFound('No membership in this store.');
          return prefs;
        },
      }),
      defineRoute({
        method: 'put',
        path: '/api/v1/me/notifications',
        summary: 'Change my notification choices',
        tags: ['me'],
        security,
        body: NotificationPrefsSchema,
        before: [deps.auth.require('account:self')],
        responses: { 200: { description: 'Choices', schema: NotificationPrefsSchema } },
        handler: async ({ body, req }) => {
          const { tenantId, userId } = authOf(req);
          const saved = await deps.db.tenant(tenantId, (trx) => deps.accounts.setNotificationPrefs(trx, tenantId, personOnly(userId), body));
          if (!saved) throw problems.notFound('No membership in this store.');
          return body;
        },
      }),
    ],
  };
}
