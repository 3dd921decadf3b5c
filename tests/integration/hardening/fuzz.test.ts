import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import fc from 'fast-check';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInstance, type InstanceProcess } from '../../helpers/instances.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createMerchant, type TestMerchant } from '../../helpers/merchant.ts';
import { wellFormed } from '../../../core/wire/text.ts';
import { ArbitraryBuilder, type JsonSchema } from '../../helpers/openapi-arbitrary.ts';
import { createStore, STORE_ORIGIN, WidgetClient, type TestStore } from '../chat/helpers.ts';

/**
 * Property-based fuzz over EVERY operation of the OpenAPI document (issue 14): requests generated
 * from the documented schemas (plus hostile values), as a merchant owner and as a widget visitor.
 * Asserts: no 5xx, every error is problem+json matching the Problem schema, every 2xx body matches
 * the documented response schema (ajv), and /healthz answers within 1 s throughout.
 * The fuzzed server runs in a process of its own and /healthz is watched from a worker thread, so
 * the figure is the server's alone: not this file's schema compiling or data generation.
 * Runs per operation are bounded (FUZZ_RUNS, default 10) so the file takes about a minute.
 */

type Parameter = { name: string; in: 'path' | 'query' | 'header' | 'cookie'; required?: boolean; schema: JsonSchema };
type Operation = {
  operationId: string;
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
};
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, JsonSchema> } };
type Request = { path: string; query: Record<string, unknown>; body: unknown; hasBody: boolean };

const RUNS = Number(process.env.FUZZ_RUNS ?? 10);
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

describe('OpenAPI-driven fuzz over every operation', () => {
  let app: TestApp;
  let owner: TestMerchant;
  let store: TestStore;
  let widget: WidgetClient;
  let doc: Doc;
  let target: InstanceProcess;

  beforeAll(async () => {
    app = await startTestApp({}, { chat: { heartbeatMs: 60_000 } });
    store = await createStore(app.application, { name: 'Fuzzed Store', products: [{ handle: 'linen-shirt', title: 'Linen shirt', description: 'Caf&eacute; linen', priceCents: 4900 }] });
    owner = await createMerchant(app.application, { tenantId: store.tenantId });
    widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    doc = (await (await fetch(`${app.url}/api/openapi.json`)).json()) as Doc;
    // The same database and secret key: every session and visitor token made above is valid there.
    target = await startInstance({ env: { DATABASE_URL: app.database.url } });
  }, 120_000);
  afterAll(async () => {
    await target?.stop();
    await app?.stop();
  });

  it('finds no 5xx, only problem+json errors, 2xx bodies as documented, and a responsive /healthz', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
    ajvFormats.default(ajv);
    const validators = new Map<string, ReturnType<typeof ajv.compile>>();
    const validatorFor = (key: string, schema: JsonSchema) => {
      let v = validators.get(key);
      if (!v) {
        v = ajv.compile({ ...schema, components: doc.components });
        validators.set(key, v);
      }
      return v;
    };
    const problemValidator = validatorFor('Problem', { $ref: '#/components/schemas/Problem' });

    // Things that exist, so generated requests reach past the 404s.
    const service = await (await fetch(`${app.url}/api/v1/services`, { method: 'POST', headers: owner.headers, body: JSON.stringify({ name: 'Fitting', durationMinutes: 30 }) })).json();
    const resource = await (
      await fetch(`${app.url}/api/v1/resources`, {
        method: 'POST',
        headers: owner.headers,
        body: JSON.stringify({ name: 'Anna', serviceIds: [service.id], timeZone: 'Europe/Berlin', weeklyHours: { mon: [{ start: '09:00', end: '17:00' }] } }),
      })
    ).json();
    const known: Record<string, unknown[]> = {
      serviceId: [service.id],
      resourceId: [resource.id],
      serviceIds: [[service.id]],
      botKey: [store.botKey],
      userId: [owner.userId],
      timeZone: ['Europe/Berlin', 'America/New_York'],
      from: ['2026-12-01', '2026-12-07T09:00:00+01:00'],
      to: ['2026-12-31', '2026-12-08T18:00:00+01:00'],
      date: ['2026-12-24'],
      email: ['shopper@example.org'],
    };
    const builder = new ArbitraryBuilder(doc.components.schemas, known);

    // /healthz keeps answering while the fuzz runs (watched from a thread with its own event loop).
    const monitor = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
      let maxMs = 0, failures = 0, running = true;
      parentPort.on('message', () => { running = false; });
      (async () => {
        // Not measured: the thread's first fetch loads and compiles undici, which under a loaded CI
        // machine took seconds and was counted as /healthz latency.
        await fetch(workerData + '/healthz').then((r) => r.text(), () => undefined);
        while (running) {
          const t = performance.now();
          const res = await fetch(workerData + '/healthz').catch(() => undefined);
          maxMs = Math.max(maxMs, performance.now() - t);
          if (res?.status !== 200) failures++;
          await res?.text();
          await new Promise((r) => setTimeout(r, 200));
        }
        parentPort.postMessage({ maxMs, failures });
      })();`,
      { eval: true, workerData: target.url },
    );
    const monitorResult = new Promise<{ maxMs: number; failures: number }>((resolve, reject) => {
      monitor.once('message', resolve);
      monitor.once('error', reject);
    });

    const failures: string[] = [];
    const statuses = new Map<string, number>();
    let requests = 0;
    let operations = 0;

    const exercise = async (op: Operation, template: string, method: string, req: Request): Promise<boolean> => {
      const isWidget = template.startsWith('/widget/');
      const streaming = Object.values(op.responses).some((r) => r.content?.['text/event-stream']);
      const url = new URL(`${target.url}${req.path}`);
      for (const [k, v] of Object.entries(req.query)) {
        if (v === undefined) continue;
        if (Array.isArray(v)) for (const one of v) url.searchParams.append(k, typeof one === 'string' ? one : JSON.stringify(one));
        else url.searchParams.set(k, typeof v === 'string' ? v : JSON.stringify(v));
      }
      const headers: Record<string, string> = {};
      if (isWidget) {
        headers.origin = STORE_ORIGIN;
        headers.authorization = `Bearer ${widget.session.visitorToken}`;
      } else if (op.security?.length || template.startsWith('/api/v1/')) {
        // Logging out ends the session it names: give it a session of its own.
        const token = op.operationId === 'postAuthLogout' ? (await app.application.accounts.issueSession(owner.tenantId, owner.userId)).accessToken : owner.token;
        headers.authorization = `Bearer ${token}`;
      }
      if (req.hasBody) headers['content-type'] = 'application/json';
      if (op.operationId === 'postWidgetBookings' || op.operationId === 'postBookings') headers['idempotency-key'] = `fuzz-${requests}`;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 30_000);
      const label = `${method.toUpperCase()} ${url.pathname}${url.search}`;
      requests++;
      try {
        const res = await fetch(url, { method: method.toUpperCase(), headers, body: req.hasBody ? JSON.stringify(req.body) : undefined, signal: controller.signal });
        const key = `${op.operationId} ${res.status}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        const type = res.headers.get('content-type') ?? '';
        if (streaming && res.status === 200) {
          if (!type.startsWith('text/event-stream')) failures.push(`${label}: stream answered ${type}`);
          controller.abort();
          return true;
        }
        const text = await res.text();
        if (res.status >= 500) failures.push(`${label}: ${res.status} ${text.slice(0, 300)} body=${JSON.stringify(req.body)?.slice(0, 200)}`);
        if (res.status >= 400) {
          if (!type.startsWith('application/problem+json')) failures.push(`${label}: ${res.status} as ${type}`);
          else if (!problemValidator(JSON.parse(text))) failures.push(`${label}: problem does not match the schema: ${text.slice(0, 200)}`);
          return true;
        }
        const documented = op.responses[String(res.status)];
        if (!documented) {
          failures.push(`${label}: ${res.status} is not documented`);
          return true;
        }
        const [contentType, media] = Object.entries(documented.content ?? {})[0] ?? [];
        if (!contentType) {
          if (text !== '') failures.push(`${label}: ${res.status} documented without a body, got ${text.slice(0, 100)}`);
          return true;
        }
        if (!type.startsWith(contentType)) failures.push(`${label}: ${res.status} as ${type}, documented ${contentType}`);
        else if (contentType === 'application/json' && media?.schema) {
          const validate = validatorFor(`${op.operationId} ${res.status}`, media.schema);
          if (!validate(JSON.parse(text))) failures.push(`${label}: ${res.status} body does not match the documented schema: ${ajv.errorsText(validate.errors)}`);
        }
      } catch (error) {
        if (!(streaming && controller.signal.aborted)) failures.push(`${label}: ${(error as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
      return true;
    };

    for (const [template, item] of Object.entries(doc.paths)) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        operations++;
        const isWidget = template.startsWith('/widget/');
        const params = op.parameters ?? [];
        const bodySchema = op.requestBody?.content['application/json']?.schema;
        const pathKnown = (name: string): unknown[] | undefined => {
          if (name !== 'id') return undefined;
          if (isWidget) return [widget.session.conversationId];
          if (template.startsWith('/api/v1/services')) return [service.id];
          if (template.startsWith('/api/v1/resources')) return [resource.id];
          if (template.startsWith('/api/v1/conversations')) return [widget.session.conversationId];
          return undefined;
        };

        const pathArb = fc.record(
          Object.fromEntries(
            params
              .filter((p) => p.in === 'path')
              .map((p) => {
                const k = pathKnown(p.name);
                const base = builder.of(p.schema, p.name, 0, 1).filter((v) => String(v ?? '') !== '');
                return [p.name, k ? fc.oneof({ arbitrary: fc.constantFrom(...k), weight: 3 }, { arbitrary: base, weight: 1 }) : base];
              }),
          ),
        );
        const queryArb = fc.record(Object.fromEntries(params.filter((p) => p.in === 'query').map((p) => [p.name, builder.of(p.schema, p.name)])), {
          requiredKeys: params.filter((p) => p.in === 'query' && p.required).map((p) => p.name),
        });
        const bodyArb = bodySchema ? fc.oneof({ arbitrary: builder.of(bodySchema, undefined, 0, 0), weight: 5 }, { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 }) : fc.constant(undefined);

        const requestArb: fc.Arbitrary<Request> = fc.tuple(pathArb, queryArb, bodyArb).map(([pathValues, query, body]) => ({
          path: template.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(wellFormed(String((pathValues as Record<string, unknown>)[name] ?? '')))),
          query: query as Record<string, unknown>,
          body,
          hasBody: Boolean(bodySchema),
        }));

        await fc.assert(
          fc.asyncProperty(requestArb, (req) => exercise(op, template, method, req)),
          { numRuns: RUNS },
        );
        // A NUL in each string field of an otherwise generated body, one at a time (the class of 500 in issue 14).
        const resolved = bodySchema ? builder.resolve(bodySchema) : undefined;
        for (const [field, sub] of Object.entries(resolved?.properties ?? {})) {
          const type = builder.resolve(sub).type;
          if (type !== 'string' && !(Array.isArray(type) && type.includes('string'))) continue;
          const [sample] = fc.sample(builder.of(bodySchema!, undefined, 0, 0), { numRuns: 1, seed: 42 });
          const [pathSample] = fc.sample(requestArb, { numRuns: 1, seed: 42 });
          await exercise(op, template, method, { ...pathSample!, body: { ...(sample as object), [field]: 'x\u0000y' } });
        }
        for (const p of params.filter((q) => q.in === 'query')) {
          const [pathSample] = fc.sample(requestArb, { numRuns: 1, seed: 7 });
          await exercise(op, template, method, { ...pathSample!, query: { ...pathSample!.query, [p.name]: 'x\u0000y' } });
        }
      }
    }
    monitor.postMessage('stop');
    const { maxMs: healthMaxMs, failures: healthFailures } = await monitorResult;
    await monitor.terminate();

    const summary = [...statuses.entries()].sort().map(([k, n]) => `${k} ×${n}`);
    if (process.env.FUZZ_VERBOSE) console.log(`${requests} requests, /healthz max ${Math.round(healthMaxMs)} ms\n${summary.join('\n')}`);
    expect(failures, `${failures.length} failures over ${requests} requests:\n${failures.slice(0, 40).join('\n')}`).toEqual([]);
    expect(operations).toBe(Object.values(doc.paths).reduce((n, item) => n + METHODS.filter((m) => item[m]).length, 0));
    expect(operations).toBeGreaterThan(70);
    // Every operation was reached, and most answered something other than an error at least once.
    const reachedOk = new Set(summary.filter((line) => / 2\d\d ×/.test(line)).map((line) => line.split(' ')[0]));
    expect(reachedOk.size, summary.join('\n')).toBeGreaterThan(operations / 3);
    expect(healthFailures).toBe(0);
    expect(healthMaxMs).toBeLessThan(1_000);
  }, 600_000);
});
