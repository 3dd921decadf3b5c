import type { Logger } from 'pino';
import type { Authenticator } from '../accounts/index.ts';
import type { AnalyticsEvent } from '../analytics/index.ts';
import type { ToolRegistry } from '../chat/index.ts';
import type { Database } from '../db/database.ts';
import type { HttpModule } from '../http/app.ts';
import type { Metrics } from '../http/metrics.ts';
import type { MailPort } from '../mail/mail.port.ts';
import { deriveKey } from '../security/secret-box.ts';
import { BookingAdmin } from './booking-admin.service.ts';
import { BookingRepository } from './booking.repository.ts';
import { bookingHttpModule, type WidgetAccess } from './booking.routes.ts';
import { BookingService, type TenantInfo } from './booking.service.ts';
import { BookingTools } from './booking.tools.ts';
import { ManageTokens } from './manage-token.ts';
import { managePagesHttpModule } from './manage.http.ts';
import { NotificationRenderer } from './notification.renderer.ts';
import { OutboxRepository } from './outbox.repository.ts';
import { OutboxWorker, type OutboxWorkerOptions } from './outbox.worker.ts';

/** Wires the booking module (issue #5); the composition root calls this once. */

export interface BookingModuleDeps {
  db: Database;
  logger: Logger;
  metrics: Metrics;
  auth: Authenticator;
  mail: MailPort;
  clock: () => Date;
  publicUrl: string;
  secretKey: string;
  /** The configured sender, e.g. 'Concierge <no-reply@concierge.local>': the .ics organizer when a store set no address. */
  mailFrom: string;
  tenantInfo(tenantId: string): Promise<TenantInfo>;
  /** Owners' and admins' addresses for the new-booking note. */
  merchantRecipients(tenantId: string): Promise<string[]>;
  analytics?: { record(event: AnalyticsEvent): void };
  /** The chat module's visitor-token guard; without it the /widget/v1 booking routes are not mounted. */
  widget?: WidgetAccess | undefined;
  /** Outbox worker tuning; `enabled: false` leaves sending to other instances (or to a test). */
  worker?: OutboxWorkerOptions & { enabled?: boolean };
}

export interface BookingModule {
  service: BookingService;
  admin: BookingAdmin;
  worker: OutboxWorker;
  outbox: OutboxRepository;
  manageTokens: ManageTokens;
  tools: BookingTools;
  /** Merchant + widget routes, and the manage pages. */
  http: HttpModule[];
  registerChatTools(registry: Pick<ToolRegistry, 'registerContract'>): void;
  /** Starts the outbox tick (unless disabled). */
  start(): void;
  stop(): Promise<void>;
}

function addressOf(from: string): string {
  return /<([^<>\s]+@[^<>\s]+)>/.exec(from)?.[1] ?? (/^[^\s<>]+@[^\s<>]+$/.test(from.trim()) ? from.trim() : 'no-reply@concierge.local');
}

/** Store name, zone and language change rarely and are read on every booking: cached for a few seconds. */
function cachedTenantInfo(load: (tenantId: string) => Promise<TenantInfo>, ttlMs = 10_000): (tenantId: string) => Promise<TenantInfo> {
  const cache = new Map<string, { at: number; info: Promise<TenantInfo> }>();
  return (tenantId) => {
    const hit = cache.get(tenantId);
    if (hit && Date.now() - hit.at < ttlMs) return hit.info;
    const info = load(tenantId);
    cache.set(tenantId, { at: Date.now(), info });
    info.catch(() => cache.delete(tenantId));
    if (cache.size > 10_000) cache.delete(cache.keys().next().value!);
    return info;
  };
}

export function createBookingModule(deps: BookingModuleDeps): BookingModule {
  const tenantInfo = cachedTenantInfo(deps.tenantInfo);
  const repo = new BookingRepository();
  const manageTokens = new ManageTokens(deriveKey(deps.secretKey, 'booking-manage'));
  const outbox = new OutboxRepository(deps.db);
  // The service tells the worker about new mail; the worker is built after the service (it renders its links).
  const wake: { worker?: OutboxWorker } = {};
  const kick = () => wake.worker?.kick();
  const service = new BookingService({
    db: deps.db,
    repository: repo,
    manageTokens,
    publicUrl: deps.publicUrl,
    clock: deps.clock,
    tenantInfo,
    ...(deps.analytics ? { analytics: deps.analytics } : {}),
    onNotificationsQueued: kick,
    logger: deps.logger,
  });
  const admin = new BookingAdmin(deps.db, repo, deps.clock, kick);
  const renderer = new NotificationRenderer({
    db: deps.db,
    repo,
    tenantInfo,
    merchantRecipients: deps.merchantRecipients,
    manageUrl: (tenantId, bookingId) => service.manageUrl(tenantId, bookingId),
    publicUrl: deps.publicUrl,
    organizerEmail: addressOf(deps.mailFrom),
  });
  const { enabled = true, ...workerOptions } = deps.worker ?? {};
  const worker = new OutboxWorker({ outbox, renderer, mail: deps.mail, clock: deps.clock, logger: deps.logger.child({ component: 'booking-outbox' }), metrics: deps.metrics, options: workerOptions });
  wake.worker = worker;
  const tools = new BookingTools(service);

  return {
    service,
    admin,
    worker,
    outbox,
    manageTokens,
    tools,
    http: [bookingHttpModule({ service, admin, auth: deps.auth, widget: deps.widget }), managePagesHttpModule({ service, tokens: manageTokens })],
    registerChatTools: (registry) => tools.register(registry),
    start() {
      if (enabled) worker.start();
    },
    stop: () => worker.stop(),
  };
}
