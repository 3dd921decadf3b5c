import type { Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Authenticator } from '../accounts/index.ts';
import { authOf } from '../accounts/index.ts';
import type { HttpModule } from '../http/app.ts';
import { problems } from '../http/problem.ts';
import { defineRoute } from '../http/route.ts';
import { MAX_HOURLY_DAYS, resolveRange, type ResolvedRange } from './analytics.range.ts';
import {
  analyticsRangeQuerySchema,
  analyticsSummarySchema,
  analyticsTimeseriesQuerySchema,
  analyticsTimeseriesSchema,
} from './analytics.schema.ts';
import type { AnalyticsDay, AnalyticsService } from './analytics.service.ts';
import { csvRecord, type CsvValue } from './csv.ts';

/** Columns of the CSV export, in order: [header, value of a day]. */
export const CSV_COLUMNS: readonly [string, (d: AnalyticsDay) => CsvValue][] = [
  ['date', (d) => d.day],
  ['visitors', (d) => d.visitors],
  ['conversations', (d) => d.conversations],
  ['messages', (d) => d.messages],
  ['shopper_messages', (d) => d.shopperMessages],
  ['assistant_messages', (d) => d.assistantMessages],
  ['prompt_tokens', (d) => d.promptTokens],
  ['completion_tokens', (d) => d.completionTokens],
  ['tokens', (d) => d.tokens],
  ['estimated_cost_usd', (d) => d.estimatedCostUsd],
  ['avg_response_ms', (d) => d.averageResponseMs],
  ['p95_response_ms', (d) => d.p95ResponseMs],
  ['errors', (d) => d.errors],
  ['error_rate', (d) => d.errorRate],
  ['handoffs', (d) => d.handoffs],
  ['handoff_rate', (d) => d.handoffRate],
  ['bookings', (d) => d.bookings],
  ['bookings_cancelled', (d) => d.bookingsCancelled],
  ['booking_conversion', (d) => d.bookingConversion],
  ['widget_opens', (d) => d.widgetOpens],
  ['ratings_up', (d) => d.ratingsUp],
  ['ratings_down', (d) => d.ratingsDown],
  ['csat', (d) => d.csat],
  ['models', (d) => d.models.join(', ')],
];

/** Resolves once the response can take more (or is gone), so a slow client is never buffered for. */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

export function analyticsHttpModule(deps: { service: AnalyticsService; auth: Authenticator; logger: Logger }): HttpModule {
  const { service, auth } = deps;
  const guard = [auth.require('analytics:read')];
  const tags = ['analytics'];

  async function rangeOf(tenantId: string, query: { from?: string | undefined; to?: string | undefined }): Promise<ResolvedRange> {
    const result = resolveRange(query, await service.timeZoneOf(tenantId), service.now());
    if (!result.ok) throw problems.validation(result.errors);
    return result.range;
  }

  return {
    name: 'analytics',
    routes: [
      defineRoute({
        method: 'get',
        path: '/api/v1/analytics/summary',
        summary: 'Analytics summary of a period',
        description: "Dates are read in the store's time zone (`to` includes its whole day); ISO times need an offset. At most 400 days.",
        tags,
        security: ['bearer'],
        query: analyticsRangeQuerySchema,
        before: guard,
        responses: { 200: { description: 'The metrics of the period', schema: analyticsSummarySchema } },
        handler: async ({ query, req }) => {
          const { tenantId } = authOf(req);
          return service.summary(tenantId, await rangeOf(tenantId, query));
        },
      }),
      defineRoute({
        method: 'get',
        path: '/api/v1/analytics/timeseries',
        summary: 'Analytics per local day or hour',
        description: 'One point per local day (or hour, for at most 31 days), including empty ones.',
        tags,
        security: ['bearer'],
        query: analyticsTimeseriesQuerySchema,
        before: guard,
        responses: { 200: { description: 'Points in time order', schema: analyticsTimeseriesSchema } },
        handler: async ({ query, req }) => {
          const { tenantId } = authOf(req);
          const range = await rangeOf(tenantId, query);
          if (query.interval === 'hour' && range.days.length > MAX_HOURLY_DAYS) {
            throw problems.validation([{ path: 'query.interval', message: `hourly points cover at most ${MAX_HOURLY_DAYS} days; this range has ${range.days.length}` }]);
          }
          return service.timeseries(tenantId, range, query.interval);
        },
      }),
      defineRoute({
        method: 'get',
        path: '/api/v1/analytics/export.csv',
        summary: 'Analytics per local day as CSV',
        description: 'RFC 4180 (CRLF, quoted fields where needed): a header row, then one row per local day of the range, empty days included. Streamed.',
        tags,
        security: ['bearer'],
        query: analyticsRangeQuerySchema,
        before: guard,
        responses: { 200: { description: 'CSV', contentType: 'text/csv', schema: z.string() } },
        handler: async ({ query, req, res }) => {
          const { tenantId } = authOf(req);
          const range = await rangeOf(tenantId, query);
          const chunks = service.exportDays(tenantId, range);
          // The first chunk is read before anything is sent, so a failure there is still a problem+json.
          let next = await chunks.next();
          const first = range.days[0]?.day ?? 'empty';
          const last = range.days[range.days.length - 1]?.day ?? 'empty';
          res.status(200);
          res.setHeader('Content-Type', 'text/csv; charset=utf-8; header=present');
          res.setHeader('Content-Disposition', `attachment; filename="analytics-${first}-${last}.csv"`);
          res.setHeader('Cache-Control', 'no-store');
          try {
            if (!res.write(csvRecord(CSV_COLUMNS.map(([name]) => name)))) await drained(res);
            while (!next.done && !res.destroyed) {
              const text = next.value.map((day) => csvRecord(CSV_COLUMNS.map(([, value]) => value(day)))).join('');
              if (!res.write(text)) await drained(res);
              next = await chunks.next();
            }
            res.end();
          } catch (error) {
            // Headers are gone: cut the connection so the client sees a broken download, not a short file.
            deps.logger.error({ err: error, tenantId }, 'analytics export failed mid-stream');
            res.destroy(error as Error);
          } finally {
            await chunks.return(undefined);
          }
        },
      }),
    ],
  };
}
