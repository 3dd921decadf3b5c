import express, { type Express, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { WebhookRequest } from '@concierge/plugin-sdk';
import type { HttpModule } from '../http/app.ts';
import type { Metrics } from '../http/metrics.ts';
import { HttpProblem, problems, sendProblem } from '../http/problem.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { PluginHost } from './host.ts';
import { createPluginContext, type CoreEventSink } from './plugin-context.ts';
import type { PluginStateRepository } from './plugin-state.repository.ts';

export interface PluginsHttpDeps {
  host: PluginHost;
  repository: PluginStateRepository;
  secrets: SecretBox;
  sink: CoreEventSink;
  logger: Logger;
  metrics: Metrics;
  webhookBodyLimit?: string;
}

function lowerHeaders(req: Request): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : v]));
}

/**
 * The host owns the dangerous parts of webhooks (conventions: Medusa's single route, but we
 * verify first): raw bytes, signature check BEFORE answering, dedupe by delivery id in a table
 * (so it holds across instances and restarts), 200, then processing.
 */
export function pluginsHttpModule(deps: PluginsHttpDeps): HttpModule & { sweepStuckDeliveries(olderThanSeconds?: number): Promise<number> } {
  const { host, repository, logger } = deps;
  const deliveries = deps.metrics.counter('webhook_deliveries_total', 'Webhook deliveries by plugin and outcome', ['plugin', 'outcome']);

  async function process(pluginId: string, tenantId: string, request: WebhookRequest, identity: { deliveryId: string; topic: string; externalId: string }, ctx: ReturnType<typeof createPluginContext>) {
    const hosted = host.get(pluginId)!;
    try {
      const events = await hosted.plugin.webhooks!.normalize(ctx, request, identity);
      for (const event of events) await ctx.emit(event);
      await repository.finishDelivery(tenantId, pluginId, identity.deliveryId, { ok: true });
      deliveries.inc({ plugin: pluginId, outcome: 'processed' });
    } catch (error) {
      logger.error({ pluginId, tenantId, deliveryId: identity.deliveryId, err: error }, 'webhook processing failed');
      deliveries.inc({ plugin: pluginId, outcome: 'failed' });
      await repository.finishDelivery(tenantId, pluginId, identity.deliveryId, { ok: false, error: (error as Error)?.message ?? String(error) }).catch(() => {});
    }
  }

  async function receive(req: Request, res: Response) {
    const pluginId = String(req.params.pluginId);
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
    // An unknown account cannot be verified; it gets the same answer as a bad signature.
    const installation = await repository.findActiveInstallation(pluginId, identity.externalId);
    if (!installation) throw signatureInvalid();
    const ctx = createPluginContext(hosted, installation, deps);
    let verified = false;
    try {
      verified = await webhooks.verify(ctx, request);
    } catch (error) {
      logger.warn({ pluginId, err: error }, 'webhook verify threw; treated as invalid');
    }
    if (!verified) throw signatureInvalid();

    const fresh = await repository.recordDelivery(installation.tenant_id, {
      pluginId,
      deliveryId: identity.deliveryId,
      topic: identity.topic,
      payload: request.rawBody,
      headers: request.headers,
    });
    if (!fresh) {
      deliveries.inc({ plugin: pluginId, outcome: 'duplicate' });
      res.status(200).json({ status: 'duplicate' });
      return;
    }
    deliveries.inc({ plugin: pluginId, outcome: 'accepted' });
    res.status(200).json({ status: 'accepted' });
    // After the answer: the platform's timeout never depends on our processing time.
    setImmediate(() => void process(pluginId, installation.tenant_id, request, identity, ctx));
  }

  /** Processes deliveries a crash left unprocessed after their 200; returns how many it took. */
  async function sweepStuckDeliveries(olderThanSeconds = 120): Promise<number> {
    const stuck = await repository.claimStuckDeliveries(olderThanSeconds, 50);
    for (const row of stuck) {
      const hosted = host.get(row.plugin_id);
      const request: WebhookRequest = { rawBody: row.payload, headers: row.headers };
      const identity = hosted?.plugin.webhooks?.identify(request);
      const installation = identity && (await repository.findActiveInstallation(row.plugin_id, identity.externalId));
      if (!hosted || !identity || !installation || installation.tenant_id !== row.tenant_id) {
        await repository.finishDelivery(row.tenant_id, row.plugin_id, row.delivery_id, { ok: false, error: 'plugin or installation no longer available' });
        continue;
      }
      await process(row.plugin_id, row.tenant_id, request, identity, createPluginContext(hosted, installation, deps));
    }
    return stuck.length;
  }

  return {
    name: 'plugins',
    sweepStuckDeliveries,
    mountRaw(app: Express) {
      app.post('/webhooks/:pluginId', express.raw({ type: () => true, limit: deps.webhookBodyLimit ?? '2mb' }), (req, res, next) => {
        receive(req, res).catch((error) => (error instanceof HttpProblem ? sendProblem(res, error) : next(error)));
      });
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
                headers: lowerHeaders(req),
                body: req.body,
              });
              for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
              res.status(answer.status);
              if (answer.body === undefined) res.end();
              else if (typeof answer.body === 'string') res.send(answer.body);
              else res.json(answer.body);
            } catch (error) {
              next(error);
            }
          });
        }
      }
    },
  };
}
