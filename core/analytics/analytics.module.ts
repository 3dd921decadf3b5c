import type { Logger } from 'pino';
import type { Authenticator } from '../accounts/index.ts';
import type { Database } from '../db/database.ts';
import type { HttpModule } from '../http/app.ts';
import type { Metrics } from '../http/metrics.ts';
import { AnalyticsRecorder, type AnalyticsRecorderOptions } from './analytics.recorder.ts';
import { AnalyticsRollups } from './analytics.rollups.ts';
import { analyticsHttpModule } from './analytics.routes.ts';
import { AnalyticsService } from './analytics.service.ts';

export interface AnalyticsDeps {
  db: Database;
  logger: Logger;
  metrics: Metrics;
  auth: Authenticator;
  /** The tenant's IANA zone; days and "today" are the store's. */
  timeZoneOf: (tenantId: string) => Promise<string>;
  clock?: () => Date;
  recorder?: Pick<AnalyticsRecorderOptions, 'maxQueue' | 'batchSize' | 'flushIntervalMs' | 'maxBackoffMs' | 'closeTimeoutMs'>;
}

export interface Analytics {
  recorder: AnalyticsRecorder;
  service: AnalyticsService;
  rollups: AnalyticsRollups;
  http: HttpModule;
  /** Starts the rollup tick. */
  start(): void;
  /** Stops the tick, then writes what the recorder still holds. */
  close(): Promise<void>;
}

/** How long a store's time zone is remembered; a change applies to analytics reads within this time. */
const ZONE_TTL_MS = 10_000;

/** Every analytics request needs the store's zone first; it rarely changes, so keep it briefly. */
function cachedZones(timeZoneOf: (tenantId: string) => Promise<string>, clock: () => Date): (tenantId: string) => Promise<string> {
  const cache = new Map<string, { zone: string; until: number }>();
  return async (tenantId) => {
    const now = clock().getTime();
    const hit = cache.get(tenantId);
    if (hit && hit.until > now) return hit.zone;
    const zone = await timeZoneOf(tenantId);
    if (cache.size > 10_000) cache.clear();
    cache.set(tenantId, { zone, until: now + ZONE_TTL_MS });
    return zone;
  };
}

/** Wires the analytics module (issue #7); the composition root calls this once. */
export function createAnalytics(deps: AnalyticsDeps): Analytics {
  const timeZoneOf = cachedZones(deps.timeZoneOf, () => new Date());
  const recorder = new AnalyticsRecorder({ db: deps.db, logger: deps.logger, metrics: deps.metrics, ...deps.recorder });
  const service = new AnalyticsService({ db: deps.db, recorder, timeZoneOf, clock: deps.clock });
  const rollups = new AnalyticsRollups({ db: deps.db, logger: deps.logger, timeZoneOf: deps.timeZoneOf, clock: deps.clock });
  return {
    recorder,
    service,
    rollups,
    http: analyticsHttpModule({ service, auth: deps.auth, logger: deps.logger }),
    start: () => rollups.start(),
    async close() {
      await rollups.stop();
      await recorder.close();
    },
  };
}
