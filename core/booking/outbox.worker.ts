import type { Logger } from 'pino';
import type { Metrics } from '../http/metrics.ts';
import type { MailPort } from '../mail/mail.port.ts';
import { MailOutboxWorker, type OutboxWorkerOptions } from '../mail/outbox-worker.ts';
import type { NotificationRow } from './booking.repository.ts';
import type { NotificationRenderer } from './notification.renderer.ts';
import type { OutboxRepository } from './outbox.repository.ts';

/**
 * Sends the booking outbox (design.md §7) with the shared mail-outbox worker
 * (`core/mail/outbox-worker.ts`: claim, render, send once, back off, dead-letter), and purges
 * stale idempotency keys between rounds. docs/decisions/0005-exactly-once-reminders.md.
 */

export type { OutboxWorkerOptions, RunReport } from '../mail/outbox-worker.ts';

export interface OutboxWorkerDeps {
  outbox: OutboxRepository;
  renderer: NotificationRenderer;
  mail: MailPort;
  clock: () => Date;
  logger: Logger;
  metrics?: Metrics;
  options?: OutboxWorkerOptions;
}

const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

export class OutboxWorker extends MailOutboxWorker<NotificationRow> {
  constructor(deps: OutboxWorkerDeps) {
    super({
      ...deps,
      names: { metric: 'booking_notifications', metricSingular: 'booking_notification', what: 'booking mail', task: 'booking-outbox' },
      housekeeping: (now) => deps.outbox.purgeIdempotencyKeys(new Date(now.getTime() - IDEMPOTENCY_TTL_MS)),
    });
  }
}
