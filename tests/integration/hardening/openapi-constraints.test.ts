import { randomUUID } from 'node:crypto';
import { encodeKeyset } from '../../../core/kernel/cursor.ts';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createMerchant, type TestMerchant } from '../../helpers/merchant.ts';
import { createStore, type TestStore } from '../chat/helpers.ts';

/**
 * The document says what validation does (issue 14): for a sample of constraints that live in zod
 * refinements (password policy, analytics bounds, emails, cursors, time zones, origins, "at least
 * one field", handles), a value the DOCUMENT calls invalid (checked here with ajv against the
 * served document, not assumed) is refused by the route with 422 problem+json naming the field,
 * and a value the document calls valid passes validation.
 */

type JsonSchema = Record<string, unknown>;
type Parameter = { name: string; in: string; schema: JsonSchema };
type Operation = { operationId: string; parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: JsonSchema }> } };
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, JsonSchema> } };

interface Sample {
  operationId: string;
  /** `body.<field>` or `query.<name>`: what the doc check looks at and what the 422 must name. */
  field: string;
  invalid: unknown[];
  valid: unknown;
  okStatus: number;
  /** Builds the request for one value of the field. */
  request: (value: unknown) => { path: string; query?: Record<string, string>; body?: unknown };
  /** Where the 422 points (default: `field`), e.g. `body` for a rule over the whole body. */
  errorPath?: string;
}

describe('documented request constraints agree with validation', () => {
  let app: TestApp;
  let doc: Doc;
  let owner: TestMerchant;
  let store: TestStore;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  ajvFormats.default(ajv);

  beforeAll(async () => {
    app = await startTestApp();
    store = await createStore(app.application, { name: 'Documented Store' });
    owner = await createMerchant(app.application, { tenantId: store.tenantId });
    doc = (await (await fetch(`${app.url}/api/openapi.json`)).json()) as Doc;
  }, 60_000);
  afterAll(() => app?.stop());

  const operation = (id: string) => {
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) if (op.operationId === id) return { template, method, op };
    }
    throw new Error(`no operation ${id} in the document`);
  };

  /** What the served document says about one value of the field (the whole body for body fields). */
  const documentAccepts = (sample: Sample, value: unknown): boolean => {
    const { op } = operation(sample.operationId);
    const [where, name] = sample.field.split('.') as ['body' | 'query', string];
    const { body, query } = sample.request(value);
    if (where === 'body') {
      const schema = op.requestBody!.content['application/json']!.schema;
      return ajv.validate({ ...schema, components: doc.components }, body) as boolean;
    }
    const parameter = op.parameters!.find((p) => p.in === 'query' && p.name === name)!;
    expect(parameter, `${sample.operationId} documents query.${name}`).toBeDefined();
    return ajv.validate({ ...parameter.schema, components: doc.components }, query![name]) as boolean;
  };

  const send = async (sample: Sample, value: unknown) => {
    const { method } = operation(sample.operationId);
    const { path, query, body } = sample.request(value);
    const url = new URL(`${app.url}${path}`);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
    const res = await fetch(url, {
      method: method.toUpperCase(),
      headers: path.startsWith('/api/v1/auth/') ? { 'content-type': 'application/json' } : owner.headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : undefined, text };
  };

  let signups = 0;
  const samples = (): Sample[] => [
    {
      operationId: 'postAuthSignup',
      field: 'body.password',
      invalid: ['Short1A', 'lowercase-only-7', 'NO-DIGITS-IN-HERE', `Ab1${'x'.repeat(80)}`, 'Has\u0000Nul-Char-9'],
      valid: 'Correct-Horse-7-Battery',
      okStatus: 201,
      request: (password) => ({ path: '/api/v1/auth/signup', body: { storeName: 'Doc Store', email: `doc-${++signups}-${randomUUID()}@store.example`, password } }),
    },
    {
      operationId: 'postAuthSignup',
      field: 'body.email',
      invalid: ['owner@localhost', 'owner', 'two@@store.example', 'owner@store.x'],
      valid: 'new.owner@store.example',
      okStatus: 201,
      request: (email) => ({ path: '/api/v1/auth/signup', body: { storeName: 'Doc Store', email: email === 'new.owner@store.example' ? `new.owner.${randomUUID()}@store.example` : email, password: 'Correct-Horse-7-Battery' } }),
    },
    {
      operationId: 'postAuthPasswordReset',
      field: 'body.email',
      invalid: ['a@b', 'not an email'],
      valid: 'nobody@example.org',
      okStatus: 202,
      request: (email) => ({ path: '/api/v1/auth/password-reset', body: { email } }),
    },
    {
      operationId: 'getAnalyticsSummary',
      field: 'query.from',
      invalid: ['', '2026-1-1', 'yesterday', '2026-12-01T09:00:00', '2026-12-01 09:00+01:00'],
      valid: '2026-11-01',
      okStatus: 200,
      request: (from) => ({ path: '/api/v1/analytics/summary', query: { from: String(from), to: '2026-11-30' } }),
    },
    {
      operationId: 'getAuditLog',
      field: 'query.cursor',
      invalid: ['not a cursor!', 'a/b', 'a+b='],
      // A cursor as this list returns it (core/kernel/cursor.ts: base64url of [list, time, id]).
      valid: encodeKeyset('audit-log', new Date(), randomUUID()),
      okStatus: 200,
      request: (cursor) => ({ path: '/api/v1/audit-log', query: { cursor: String(cursor) } }),
    },
    {
      operationId: 'patchBotsById',
      field: 'body',
      invalid: [{}, { unknownField: 'x' }],
      valid: { greeting: 'Hello again!' },
      okStatus: 200,
      request: (patch) => ({ path: `/api/v1/bots/${store.botId}`, body: patch }),
    },
    {
      operationId: 'patchBotsById',
      field: 'body.greetings',
      invalid: [Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`l${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`, 'Hi']))],
      valid: { de: 'Hallo!', 'en-GB': 'Hello!' },
      okStatus: 200,
      request: (greetings) => ({ path: `/api/v1/bots/${store.botId}`, body: { greetings } }),
    },
    {
      operationId: 'patchBotsById',
      field: 'body.allowedOrigins',
      invalid: [['https://shop.example/path'], ['ftp://shop.example'], ['https://shop.example?x=1']],
      valid: ['https://shop.example', 'HTTP://Other.example:8080/'],
      okStatus: 200,
      request: (allowedOrigins) => ({ path: `/api/v1/bots/${store.botId}`, body: { allowedOrigins } }),
    },
    {
      operationId: 'postResources',
      field: 'body.timeZone',
      invalid: ['Europe/ Berlin', '../etc/passwd', '', '+01:00'],
      valid: 'America/New_York',
      okStatus: 201,
      request: (timeZone) => ({ path: '/api/v1/resources', body: { name: `Room ${randomUUID().slice(0, 6)}`, serviceIds: [], timeZone, weeklyHours: {} } }),
    },
    {
      operationId: 'postProducts',
      field: 'body.handle',
      invalid: ['-leading-dash', 'has space', ''],
      // Upper case: the document used to say "…$/i" here and refuse every handle.
      valid: 'Rain-Shell',
      okStatus: 201,
      request: (handle) => ({ path: '/api/v1/products', body: { handle, title: 'Rain shell', price: { amount: '129.00', currency: 'EUR' } } }),
    },
  ];

  it('refuses what the document calls invalid with 422 problem+json naming the field, and accepts what it calls valid', async () => {
    const checked: string[] = [];
    for (const sample of samples()) {
      for (const value of sample.invalid) {
        const label = `${sample.operationId} ${sample.field}=${JSON.stringify(value)?.slice(0, 60)}`;
        expect(documentAccepts(sample, value), `the document refuses ${label}`).toBe(false);
        const res = await send(sample, value);
        expect(res.status, `${label}: ${res.text}`).toBe(422);
        expect(res.type, label).toMatch(/^application\/problem\+json/);
        const paths = (res.body.errors as { path: string }[]).map((e) => e.path);
        const expected = sample.errorPath ?? sample.field;
        expect(
          paths.some((p) => p === expected || p.startsWith(`${expected}.`)),
          `${label}: errors name ${expected} (got ${paths.join(', ')})`,
        ).toBe(true);
        checked.push(label);
      }
      const label = `${sample.operationId} ${sample.field}=${JSON.stringify(sample.valid)?.slice(0, 60)}`;
      expect(documentAccepts(sample, sample.valid), `the document accepts ${label}: ${ajv.errorsText(ajv.errors)}`).toBe(true);
      const res = await send(sample, sample.valid);
      expect(res.status, `${label}: ${res.text}`).toBe(sample.okStatus);
    }
    expect(checked.length).toBeGreaterThan(25);
  }, 120_000);

  it('states the refinements JSON Schema cannot express in words (range limits, common passwords, known zones)', () => {
    const from = operation('getAnalyticsSummary').op.parameters!.find((p) => p.name === 'from')!.schema;
    expect(from.description).toMatch(/at most 400 days/);
    const password = (doc.components.schemas.SignupRequest!.properties as Record<string, JsonSchema>).password!;
    expect(password).toMatchObject({ minLength: 8, maxLength: 72 });
    expect(password.description).toMatch(/72 bytes/);
    expect(password.description).toMatch(/common passwords/);
    const timeZone = (doc.components.schemas.SignupRequest!.properties as Record<string, JsonSchema>).timeZone!;
    expect(timeZone.description).toMatch(/IANA time zone/);
  });
});
