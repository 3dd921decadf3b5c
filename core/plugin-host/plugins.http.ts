import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import { COMPLIANCE_EVENT_TYPES, isPluginError, PLUGIN_ID, type CoreEvent, type InstallCallbackRequest, type PluginContext, type WebhookRequest } from '@concierge/plugin-sdk';
import { authOf } from '../accounts/index.ts';
import type { HttpModule } from '../http/app.ts';
import type { Metrics } from '../http/metrics.ts';
import { HttpProblem, problems, sendProblem, toHttpError } from '../http/problem.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { HostedPlugin, PluginHost } from './host.ts';
import { createPluginContext, parseCoreEvent, type CoreEventSink } from './plugin-context.ts';
import type { InstallAnswer, InstallationsService } from './installations.service.ts';
import { DEFAULT_RETRY, type InstallationRow, type PluginStateRepository, type RetryPolicy } from './plugin-state.repository.ts';
import { PLUGIN_HOST_ERROR_MAPPINGS } from './plugin-errors.problems.ts';
import { documentPluginRoutes } from './plugins.openapi.ts';

export interface PluginsHttpDeps {
  host: PluginHost;
  repository: PluginStateRepository;
  secrets: SecretBox;
  sink: CoreEventSink;
  logger: Logger;
  metrics: Metrics;
  webhookBodyLimit?: string;
  /** Install routes (`/plugins/:id/install|connect|auth/callback`); absent = not mounted. */
  installations?: InstallationsService;
  /** Guard of `/plugins/:id/connect` (a signed-in merchant who may change plugins). */
  requireMerchant?: RequestHandler;
  retry?: RetryPolicy;
}

/** The plugin a route names; anything that cannot be a plugin id is 404 without being echoed (it may hold NUL or markup). */
function pluginIdOf(req: Request): string {
  const id = String(req.params.pluginId);
  if (!PLUGIN_ID.test(id)) throw problems.notFound('No plugin of that name is installed here.');
  return id;
}

const rawQueryOf = (req: Request) => (req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '');
const stringQuery = (req: Request): Record<string, string> =>
  Object.fromEntries(Object.entries(req.query).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : Array.isArray(v) ? [[k, v.map(String).join(',')]] : [])));

/**
 * Where a signed-out merchant who followed a Connect link (`GET /plugins/:id/connect?site=…`, e.g. from
 * the WordPress settings page, another site) goes: the dashboard's sign-in, then its connect page
 * (`/admin/connect/:id` with the same query), which continues with a click from our own origin, so
 * the SameSite=Strict session cookie travels and the click is the merchant's own.
 */
export function dashboardSignInForConnect(req: Request): string {
  const query = rawQueryOf(req);
  const next = `/admin/connect/${encodeURIComponent(String(req.params.pluginId))}${query ? `?${query}` : ''}`;
  return `/admin/sign-in?next=${encodeURIComponent(next)}`;
}

function sendAnswer(res: Response, answer: InstallAnswer): void {
  if (answer.status === 302) {
    res.redirect(302, answer.location);
    return;
  }
  res.status(200).json(answer.body);
}

const compliance = new Set<string>(COMPLIANCE_EVENT_TYPES);

/** At most this many deliveries in one processing batch (a longer queue goes in the next ones). */
const PROCESS_BATCH_MAX = 200;

function lowerHeaders(req: Request): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : v]));
}

/**
 * The answer to a delivery, prepared once: every delivery of a burst gets one of two fixed bodies,
 * and express's `json` (serialising, an ETag nobody asks of a POST) was a tenth of a delivery's CPU.
 */
const DELIVERY_ANSWERS = { accepted: Buffer.from('{"status":"accepted"}'), duplicate: Buffer.from('{"status":"duplicate"}') };
function answerDelivery(res: Response, outcome: keyof typeof DELIVERY_ANSWERS): void {
  const body = DELIVERY_ANSWERS[outcome];
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  res.end(body);
}

/** This file's one error mapping: coded plugin and host errors as problems; anything else to the app's handler (a logged 500). */
function answerProblem(res: Response, next: NextFunction, error: unknown): void {
  const mapped = toHttpError(error, PLUGIN_HOST_ERROR_MAPPINGS);
  if (mapped instanceof HttpProblem) sendProblem(res, mapped);
  else next(error);
}

/**
 * The host owns the dangerous parts of webhooks (conventions: Medusa's single route, but we
 * verify first): raw bytes, signature check BEFORE answering, dedupe by delivery id in a table
 * (so it holds across instances and restarts), 200, then processing.
 */
export function pluginsHttpModule(deps: PluginsHttpDeps): HttpModule & { sweepStuckDeliveries(olderThanSeconds?: number): Promise<number> } {
  const { host, repository, logger } = deps;
  const deliveries = deps.metrics.counter('webhook_deliveries_total', 'Webhook deliveries by plugin and outcome', ['plugin', 'outcome']);

  const retry = deps.retry ?? DEFAULT_RETRY;

  /**
   * Contexts by installation row. The repository keeps a found row for a few seconds and forgets it
   * on any change to an installation (findInstallationForAccount), so a burst of deliveries for one
   * shop validates its config and decrypts its secrets once, not once per delivery; a changed
   * installation is a new row, so it gets a new context.
   */
  const contexts = new WeakMap<InstallationRow, PluginContext<unknown, unknown, unknown>>();
  const contextOf = (hosted: HostedPlugin, installation: InstallationRow) => {
    let ctx = contexts.get(installation);
    if (!ctx) {
      ctx = createPluginContext(hosted, installation, deps);
      contexts.set(installation, ctx);
    }
    return ctx;
  };

  type Identity = { deliveryId: string; topic: string; externalId: string };
  type Context = ReturnType<typeof createPluginContext>;
  /** An accepted delivery to process. */
  interface Job {
    pluginId: string;
    installation: InstallationRow;
    request: WebhookRequest;
    identity: Identity;
    ctx: Context;
  }
  type ProductUpserted = Extract<CoreEvent, { type: 'product.upserted' }>;

  /** The events a delivery stands for that may run now: an uninstalled shop still sends privacy requests (Shopify's shop/redact comes 48 h later); nothing else runs for it. */
  async function allowedEvents({ pluginId, installation, request, identity, ctx }: Job): Promise<CoreEvent[]> {
    const events = await host.get(pluginId)!.plugin.webhooks!.normalize(ctx, request, identity);
    return installation.status === 'active' || installation.status === 'reconnect_needed' ? events : events.filter((e) => compliance.has(e.type));
  }

  /** Records a failed processing: retried later with back-off, then a dead letter. Never throws. */
  async function failed({ pluginId, installation, identity }: Job, error: unknown) {
    const tenantId = installation.tenant_id;
    if (isPluginError(error, 'UPSTREAM_AUTH')) await repository.setInstallationError(tenantId, installation.id, error.message, 'reconnect_needed').catch(() => {});
    const status = await repository
      .finishDelivery(tenantId, pluginId, identity.deliveryId, { ok: false, error: (error as Error)?.message ?? String(error) }, retry)
      .catch(() => 'failed' as const);
    logger.error({ pluginId, tenantId, deliveryId: identity.deliveryId, err: error, status }, status === 'dead' ? 'webhook processing failed for good: dead letter' : 'webhook processing failed; will retry');
    deliveries.inc({ plugin: pluginId, outcome: status === 'dead' ? 'dead' : 'failed' });
  }

  /** Normalize + emit, one delivery on its own; a failure is retried later with back-off, then a dead letter. Never throws. */
  async function process(job: Job, normalized?: CoreEvent[]) {
    try {
      const events = normalized ?? (await allowedEvents(job));
      for (const event of events) await job.ctx.emit(event);
      await repository.finishDelivery(job.installation.tenant_id, job.pluginId, job.identity.deliveryId, { ok: true }, retry);
      deliveries.inc({ plugin: job.pluginId, outcome: 'processed' });
    } catch (error) {
      await failed(job, error);
    }
  }

  /**
   * Deliveries whose events are all product updates, applied together: per tenant one upsert of
   * their products (a product updated several times in the batch is written once, as its last
   * update would leave it) and one outcome update, all in one transaction. If it fails, each
   * delivery is processed on its own, so one bad delivery fails alone.
   */
  async function applyTogether(items: readonly { job: Job; products: ProductUpserted[] }[]) {
    const productUpserts = deps.sink.productUpserts!;
    const tenants = new Map<string, { inputs: Parameters<typeof productUpserts>[1][number][]; byPlugin: Map<string, string[]> }>();
    for (const { job, products } of items) {
      const tenantId = job.installation.tenant_id;
      let tenant = tenants.get(tenantId);
      if (!tenant) tenants.set(tenantId, (tenant = { inputs: [], byPlugin: new Map() }));
      for (const event of products) tenant.inputs.push({ tenantId, pluginId: job.pluginId, externalId: job.installation.external_id, installationId: job.installation.id, event });
      const ids = tenant.byPlugin.get(job.pluginId) ?? [];
      ids.push(job.identity.deliveryId);
      tenant.byPlugin.set(job.pluginId, ids);
    }
    let parts: Parameters<typeof repository.processedWith>[0];
    try {
      // Built inside: a product the statement cannot take (a price past any currency's range) is one delivery's failure.
      parts = [...tenants].flatMap(([tenantId, { inputs, byPlugin }]) =>
        [...byPlugin].map(([pluginId, deliveryIds], i) => ({ tenantId, pluginId, deliveryIds, statements: i === 0 && inputs.length > 0 ? [productUpserts(tenantId, inputs)] : [] })),
      );
      await repository.processedWith(parts);
    } catch (error) {
      logger.warn({ err: error, deliveries: items.length }, 'a batch of webhook deliveries failed together; processing them one by one');
      for (const { job } of items) await process(job);
      return;
    }
    for (const { pluginId, deliveryIds } of parts) deliveries.inc({ plugin: pluginId, outcome: 'processed' }, deliveryIds.length);
  }

  /**
   * Processes `batch` in arrival order. Deliveries that only update products gather and are applied
   * together (applyTogether); any other delivery first lets the gathered ones go, then runs on its
   * own, so the order of a product's changes and removals is kept. Never throws.
   */
  async function processBatch(batch: readonly Job[]) {
    let gathered: { job: Job; products: ProductUpserted[] }[] = [];
    const applyGathered = async () => {
      if (gathered.length === 0) return;
      const items = gathered;
      gathered = [];
      await applyTogether(items);
    };
    for (const job of batch) {
      let events: CoreEvent[];
      let products: ProductUpserted[] | undefined;
      try {
        events = await allowedEvents(job);
        if (deps.sink.productUpserts && events.every((event) => event.type === 'product.upserted')) {
          products = events.map((event) => parseCoreEvent(job.pluginId, event) as ProductUpserted);
        }
      } catch (error) {
        await failed(job, error);
        continue;
      }
      if (products) {
        gathered.push({ job, products });
        continue;
      }
      await applyGathered();
      await process(job, events);
    }
    await applyGathered();
  }

  /**
   * Accepted deliveries wait here, in arrival order, and are processed a batch at a time: while one
   * batch is with the database the next gathers (as WriteGroups does for writes), so an idle
   * instance processes a delivery at once and a burst costs a statement per batch, not per delivery.
   * A delivery this instance never gets to (it stops) stays 'received' and the sweeper takes it.
   */
  const waiting: Job[] = [];
  let draining = false;
  const enqueue = (job: Job) => {
    waiting.push(job);
    if (draining) return;
    draining = true;
    setImmediate(() => {
      void (async () => {
        try {
          while (waiting.length > 0) await processBatch(waiting.splice(0, PROCESS_BATCH_MAX));
        } finally {
          draining = false;
        }
      })();
    });
  };

  async function receive(req: Request, res: Response) {
    const pluginId = pluginIdOf(req);
    const hosted = host.get(pluginId);
    const webhooks = hosted?.plugin.webhooks;
    if (!hosted || !webhooks) throw problems.notFound(`No plugin "${pluginId}" receives webhooks here.`);
    const request: WebhookRequest = { rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), headers: lowerHeaders(req) };

    if (webhooks.isPing?.(request)) {
      deliveries.inc({ plugin: pluginId, outcome: 'ping' });
      res.status(200).json({ status: 'pong' });
      return;
    }
    const identity = webhooks.identify(request);
    if (!identity) throw problems.badRequest('The delivery does not say which account or topic it is for.');

    const signatureInvalid = () => {
      deliveries.inc({ plugin: pluginId, outcome: 'rejected' });
      return new HttpProblem(401, 'webhook-signature-invalid', 'Invalid webhook signature', 'The signature does not match the body.', { code: 'WEBHOOK_SIGNATURE_INVALID' });
    };
    const verifiedWith = async (installation: InstallationRow) => {
      const ctx = contextOf(hosted, installation);
      try {
        return (await webhooks.verify(ctx, request)) ? ctx : undefined;
      } catch (error) {
        logger.warn({ pluginId, err: error }, 'webhook verify threw; treated as invalid');
        return undefined;
      }
    };
    // An unknown account cannot be verified; it gets the same answer as a bad signature. A delivery
    // that fails against a kept installation is tried once more against the stored one (its secret
    // may have changed on another instance within the last seconds).
    let installation = await repository.findInstallationForAccount(pluginId, identity.externalId);
    let ctx = installation && (await verifiedWith(installation));
    if (installation && !ctx) {
      installation = await repository.findInstallationForAccount(pluginId, identity.externalId, { fresh: true });
      ctx = installation && (await verifiedWith(installation));
    }
    if (!installation || !ctx) throw signatureInvalid();

    const fresh = await repository
      .recordDelivery(installation.tenant_id, { pluginId, deliveryId: identity.deliveryId, topic: identity.topic, payload: request.rawBody, headers: request.headers })
      .catch((error: unknown) => {
        // The store was deleted in the seconds its installation was kept (foreign key gone): as unknown.
        if ((error as { code?: string }).code === '23503') throw signatureInvalid();
        throw error;
      });
    if (!fresh) {
      deliveries.inc({ plugin: pluginId, outcome: 'duplicate' });
      answerDelivery(res, 'duplicate');
      return;
    }
    deliveries.inc({ plugin: pluginId, outcome: 'accepted' });
    answerDelivery(res, 'accepted');
    // After the answer: the platform's timeout never depends on our processing time.
    enqueue({ pluginId, installation, request, identity, ctx });
  }

  /**
   * Processes deliveries a crash left unprocessed after their 200, and failed ones whose retry is
   * due; returns how many it took.
   */
  async function sweepStuckDeliveries(olderThanSeconds = 120): Promise<number> {
    const due = await repository.claimDueDeliveries(olderThanSeconds, 50);
    for (const row of due) {
      const hosted = host.get(row.plugin_id);
      const request: WebhookRequest = { rawBody: row.payload, headers: row.headers };
      const identity = hosted?.plugin.webhooks?.identify(request);
      const installation = identity && (await repository.findInstallationForAccount(row.plugin_id, identity.externalId));
      if (!hosted || !identity || !installation || installation.tenant_id !== row.tenant_id) {
        await repository.finishDelivery(row.tenant_id, row.plugin_id, row.delivery_id, { ok: false, error: 'plugin or installation no longer available' }, { ...retry, maxAttempts: 1 });
        continue;
      }
      let ctx: ReturnType<typeof createPluginContext>;
      try {
        ctx = createPluginContext(hosted, installation, deps);
      } catch (error) {
        await repository.finishDelivery(row.tenant_id, row.plugin_id, row.delivery_id, { ok: false, error: (error as Error).message }, retry);
        continue;
      }
      await process({ pluginId: row.plugin_id, installation, request, identity, ctx });
    }
    return due.length;
  }

  const installRoutes = (app: Express) => {
    const installations = deps.installations;
    if (!installations) return;
    const wrap = (handler: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => {
      handler(req, res).catch((error: unknown) => answerProblem(res, next, error));
    };
    // Platform-started install: no login; the state is bound to "new tenant" (or the account's tenant).
    // A path after /install is a platform deep link (Shopify appends it to the app URL): the page of
    // the dashboard it names opens, when it is a plain page path (else the inbox).
    const begin = wrap(async (req, res) => {
      const rest = (req.params as { rest?: string[] }).rest;
      const page = rest && rest.length <= 3 && rest.every((segment) => /^[a-z0-9-]{1,40}$/.test(segment)) ? rest.join('/') : undefined;
      sendAnswer(res, await installations.begin(pluginIdOf(req), { origin: 'platform', query: stringQuery(req), rawQuery: rawQueryOf(req), ...(page ? { page } : {}) }));
    });
    app.get('/plugins/:pluginId/install', begin);
    app.get('/plugins/:pluginId/install/{*rest}', begin);
    // A signed-in merchant connects an account of the platform to their store.
    app.get(
      '/plugins/:pluginId/connect',
      ...(deps.requireMerchant ? [deps.requireMerchant] : []),
      wrap(async (req, res) =>
        sendAnswer(res, await installations.begin(pluginIdOf(req), { origin: 'tenant', tenantId: authOf(req).tenantId, query: stringQuery(req), rawQuery: rawQueryOf(req) })),
      ),
    );
    // The platform's answer: GET (OAuth redirect) or POST (WooCommerce posts the keys as JSON).
    const callback = wrap(async (req, res) => {
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let body: unknown;
      if (req.method === 'POST' && rawBody.length > 0) {
        const type = String(req.headers['content-type'] ?? '');
        try {
          body = type.includes('application/x-www-form-urlencoded') ? Object.fromEntries(new URLSearchParams(rawBody.toString('utf8'))) : JSON.parse(rawBody.toString('utf8'));
        } catch {
          throw problems.badRequest('The callback body is not valid JSON or form data.');
        }
      }
      const request: InstallCallbackRequest = { method: req.method === 'POST' ? 'POST' : 'GET', query: stringQuery(req), body, rawBody, headers: lowerHeaders(req) };
      sendAnswer(res, await installations.callback(pluginIdOf(req), request));
    });
    app.get('/plugins/:pluginId/auth/callback', callback);
    app.post('/plugins/:pluginId/auth/callback', express.raw({ type: () => true, limit: '64kb' }), callback);
  };

  return {
    name: 'plugins',
    sweepStuckDeliveries,
    document: (registry) => documentPluginRoutes(registry, Boolean(deps.installations)),
    mountRaw(app: Express) {
      app.post('/webhooks/:pluginId', express.raw({ type: () => true, limit: deps.webhookBodyLimit ?? '2mb' }), (req, res, next) => {
        receive(req, res).catch((error: unknown) => answerProblem(res, next, error));
      });
      installRoutes(app);
    },
    mount(app: Express) {
      // A plugin's own routes (OAuth callbacks, app proxies) under /plugins/:id.
      for (const hosted of host.list()) {
        for (const route of hosted.plugin.routes ?? []) {
          const method = route.method === 'GET' ? 'get' : 'post';
          app[method](`/plugins/${hosted.id}${route.path}`, async (req, res, next) => {
            try {
              const answer = await route.handle(hosted.setupContext, {
                method: req.method,
                path: req.path,
                query: Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, typeof v === 'string' ? v : undefined])),
                rawQuery: req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '',
                headers: lowerHeaders(req),
                body: req.body,
              });
              for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
              res.status(answer.status);
              if (answer.body === undefined) res.end();
              else if (typeof answer.body === 'string') res.send(answer.body);
              else res.json(answer.body);
            } catch (error) {
              answerProblem(res, next, error);
            }
          });
        }
      }
    },
  };
}
