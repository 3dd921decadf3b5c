import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import fuzz, { type FuzzSpec } from 'openapi-fuzzer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createMerchant, type TestMerchant } from '../../helpers/merchant.ts';
import type { JsonSchema } from '../../helpers/openapi-arbitrary.ts';
import { createStore, STORE_ORIGIN, WidgetClient, type TestStore } from '../chat/helpers.ts';

/**
 * A second fuzzer over the HTTP API, written outside this project (issue 14): `openapi-fuzzer-core`
 * (npm) generates its own hostile requests from the document — unknown paths under every route,
 * every unsupported method, each path and query parameter and each body field given a value of the
 * wrong type, each required field left out. It reads Swagger 2.0, so the test hands it a Swagger 2.0
 * view of our OpenAPI 3.1 document (parameters flattened, the JSON body as a `body` parameter,
 * components as definitions). Schemathesis (PyPI) and the Rust openapi-fuzzer (crates.io) cannot be
 * installed on these machines (only the npm registry and Debian are reachable).
 *
 * Asserts on every answer: no 5xx, every error is problem+json matching the Problem schema, every
 * 2xx is a documented status whose body matches the documented schema, an unknown path is 404 and
 * an unsupported method 404 or 405.
 */

type Parameter = { name: string; in: string; required?: boolean; schema?: JsonSchema };
type Operation = {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
};
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, JsonSchema> } };

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Our OpenAPI 3.1 document as the Swagger 2.0 shape the outside fuzzer reads. */
function swagger2View(doc: Doc): unknown {
  const retarget = <T>(value: T): T => JSON.parse(JSON.stringify(value).replaceAll('#/components/schemas/', '#/definitions/')) as T;
  const definitions: Record<string, JsonSchema> = retarget(doc.components.schemas);
  const paths: Record<string, Record<string, { parameters: unknown[] }>> = {};
  for (const [route, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const parameters: unknown[] = (op.parameters ?? []).map((p) => ({ name: p.name, in: p.in, required: p.required, ...retarget(p.schema ?? {}) }));
      const body = op.requestBody?.content['application/json']?.schema;
      if (body) {
        const ref = (body as { $ref?: string }).$ref;
        const name = ref ? ref.split('/').pop()! : `${op.operationId}Body`;
        if (!ref) definitions[name] = retarget(body);
        parameters.push({ name: 'body', in: 'body', required: true, schema: { $ref: `#/definitions/${name}` } });
      }
      (paths[route] ??= {})[method] = { parameters };
    }
  }
  return { swagger: '2.0', basePath: '', paths, definitions };
}

describe('an outside OpenAPI fuzzer (openapi-fuzzer-core) over every operation', () => {
  let app: TestApp;
  let owner: TestMerchant;
  let store: TestStore;
  let widget: WidgetClient;
  let doc: Doc;

  beforeAll(async () => {
    app = await startTestApp({}, { chat: { heartbeatMs: 60_000 } });
    store = await createStore(app.application, { name: 'Outside Fuzzed Store', products: [{ handle: 'wool-hat', title: 'Wool hat', description: 'Warm', priceCents: 2900 }] });
    owner = await createMerchant(app.application, { tenantId: store.tenantId });
    widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    doc = (await (await fetch(`${app.url}/api/openapi.json`)).json()) as Doc;
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
  });

  it('its requests get no 5xx, problem+json errors, documented 2xx bodies, 404 for unknown paths', async () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: true });
    ajvFormats.default(ajv);
    const validators = new Map<string, ReturnType<typeof ajv.compile>>();
    const validatorFor = (key: string, schema: JsonSchema) => {
      if (!validators.has(key)) validators.set(key, ajv.compile({ ...schema, components: doc.components }));
      return validators.get(key)!;
    };
    const problemValidator = validatorFor('Problem', { $ref: '#/components/schemas/Problem' });

    const service = await (await fetch(`${app.url}/api/v1/services`, { method: 'POST', headers: owner.headers, body: JSON.stringify({ name: 'Fitting', durationMinutes: 30 }) })).json();
    const resource = await (
      await fetch(`${app.url}/api/v1/resources`, { method: 'POST', headers: owner.headers, body: JSON.stringify({ name: 'Anna', serviceIds: [service.id], timeZone: 'Europe/Berlin', weeklyHours: { mon: [{ start: '09:00', end: '17:00' }] } }) })
    ).json();
    // The fuzzer fills a path parameter it is not fuzzing with the parameter's name; a real id there
    // lets the request reach past the 404 to the part under test.
    const realId = (route: string): string | undefined => {
      if (route.startsWith('/widget/')) return widget.session.conversationId;
      if (route.startsWith('/api/v1/services')) return service.id;
      if (route.startsWith('/api/v1/resources')) return resource.id;
      if (route.startsWith('/api/v1/conversations')) return widget.session.conversationId;
      return undefined;
    };

    const specs = fuzz.swagger(swagger2View(doc));
    const kinds = new Map<string, number>();
    for (const spec of specs) kinds.set(spec.name, (kinds.get(spec.name) ?? 0) + 1);
    // Each of the fuzzer's kinds of attack is generated from our document, not just the trivial ones.
    // (Its path-parameter attack only alters integers and strings with a minLength; our ids are
    // uuid strings, which fuzz.test.ts covers.)
    for (const kind of ['PATH', 'METHOD', 'QUERY PARAMS', 'BODY']) expect(kinds.get(kind) ?? 0, `${kind} specs: ${JSON.stringify([...kinds])}`).toBeGreaterThan(20);

    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;

    const send = async (spec: FuzzSpec) => {
      const { method, pathParams = {}, queryParams = {}, body } = spec.request;
      const route = spec.request.path;
      const path = route.replace(/\{([^}]+)\}/g, (_m, name: string) => {
        const value = pathParams[name];
        const filled = value === name ? (realId(route) ?? name) : value;
        return encodeURIComponent(typeof filled === 'string' ? filled : JSON.stringify(filled));
      });
      const url = new URL(`${app.url}${path}`);
      for (const [k, v] of Object.entries(queryParams)) url.searchParams.set(k, typeof v === 'string' ? v : JSON.stringify(v));
      const headers: Record<string, string> = { accept: 'application/json' };
      if (route.startsWith('/widget/')) {
        headers.origin = STORE_ORIGIN;
        headers.authorization = `Bearer ${widget.session.visitorToken}`;
      } else if (route.startsWith('/api/v1/')) {
        const logout = route === '/api/v1/auth/logout';
        headers.authorization = `Bearer ${logout ? (await app.application.accounts.issueSession(owner.tenantId, owner.userId)).accessToken : owner.token}`;
      }
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (method === 'post') headers['idempotency-key'] = `outside-${sent}`;
      sent++;
      const label = `${spec.name} ${method.toUpperCase()} ${url.pathname}${url.search} body=${JSON.stringify(body)?.slice(0, 120)}`;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 20_000);
      try {
        const res = await fetch(url, { method: method.toUpperCase(), headers, body: body === undefined ? undefined : JSON.stringify(body), signal: controller.signal });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const type = res.headers.get('content-type') ?? '';
        if (type.startsWith('text/event-stream')) {
          controller.abort();
          return;
        }
        const text = await res.text();
        if (res.status >= 500) return void failures.push(`${label}: ${res.status} ${text.slice(0, 200)}`);
        if (spec.name === 'PATH' && res.status !== 404) failures.push(`${label}: an unknown path answered ${res.status}`);
        if (spec.name === 'METHOD' && res.status !== 404 && res.status !== 405) failures.push(`${label}: an unsupported method answered ${res.status}`);
        if (res.status >= 400) {
          if (!type.startsWith('application/problem+json')) failures.push(`${label}: ${res.status} as ${type}`);
          else if (!problemValidator(JSON.parse(text))) failures.push(`${label}: problem does not match the schema: ${text.slice(0, 200)}`);
          return;
        }
        const op = doc.paths[route]?.[method];
        const documented = op?.responses[String(res.status)];
        if (!op || !documented) return void failures.push(`${label}: ${res.status} is not documented`);
        const schema = documented.content?.['application/json']?.schema;
        if (schema && type.startsWith('application/json')) {
          const validate = validatorFor(`${op.operationId} ${res.status}`, schema);
          if (!validate(JSON.parse(text))) failures.push(`${label}: ${res.status} body does not match: ${ajv.errorsText(validate.errors)}`);
        }
      } catch (error) {
        if (!controller.signal.aborted) failures.push(`${label}: ${(error as Error).message}`);
        else failures.push(`${label}: no answer within 20 s`);
      } finally {
        clearTimeout(timer);
      }
    };

    // Four at a time: the fuzzer's order puts many requests on one route in a row.
    const queue = [...specs];
    await Promise.all(Array.from({ length: 4 }, async () => {
      for (let spec = queue.shift(); spec; spec = queue.shift()) await send(spec);
    }));

    const summary = [...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s} ×${n}`).join(', ');
    if (process.env.FUZZ_VERBOSE) console.log(`${specs.length} requests: ${JSON.stringify([...kinds])}; statuses ${summary}`);
    expect(failures, `${failures.length} failures over ${specs.length} requests (${summary}):\n${failures.slice(0, 30).join('\n')}`).toEqual([]);
    // The requests reached the handlers: validation refusals (400/422) outnumber the 404s of unknown paths.
    expect((statuses.get(422) ?? 0) + (statuses.get(400) ?? 0)).toBeGreaterThan(kinds.get('PATH')!);
  }, 300_000);
});
