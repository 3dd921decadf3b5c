// Coded domain errors → problem+json (issue 16): the mapping function, the per-module tables (every
// slug has its /problems page), and PluginError answered through a real Express app, never a 500.
import type { AddressInfo } from 'node:net';
import { PLUGIN_ERROR_STATUS, PluginError, type PluginErrorCode } from '@concierge/plugin-sdk';
import express, { type RequestHandler } from 'express';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AccountError, accountErrors } from '../../../core/accounts/accounts.errors.ts';
import { ACCOUNT_PROBLEMS, accountErrorMapping } from '../../../core/accounts/accounts.routes.ts';
import { CatalogError, catalogErrors } from '../../../core/catalog/catalog.errors.ts';
import { CATALOG_PROBLEMS } from '../../../core/catalog/catalog.routes.ts';
import { CHAT_PROBLEMS } from '../../../core/chat/chat.routes.ts';
import { ChatError, chatErrors } from '../../../core/chat/chat.errors.ts';
import { PROBLEM_PAGES } from '../../../core/http/problem-pages.ts';
import { HttpProblem, mapErrors, problemErrorHandler, problemFrom, toHttpError } from '../../../core/http/problem.ts';
import { defineRoute, mountRoute } from '../../../core/http/route.ts';
import { DomainError, type ProblemSpec } from '../../../core/kernel/domain-error.ts';
import { pluginHostErrors } from '../../../core/plugin-host/plugin-host.errors.ts';
import { PLUGIN_ERROR_PROBLEMS, PLUGIN_HOST_ERROR_MAPPINGS, PLUGIN_HOST_PROBLEMS } from '../../../core/plugin-host/plugin-errors.problems.ts';
import { RateLimitedError } from '../../../core/security/rate-limit.errors.ts';

class SampleError extends DomainError<'GONE' | 'SLOW'> {}
const sampleMapping = mapErrors(SampleError, {
  GONE: { status: 410, slug: 'gone', title: 'Gone' },
  SLOW: { status: 429, slug: 'rate-limited', title: 'Too many requests', headers: { 'X-Why': 'slow' }, exposeCode: true },
});

describe('problemFrom / mapErrors / toHttpError', () => {
  it('takes status, slug and title from the table and detail, errors, extras and Retry-After from the error', () => {
    const spec: ProblemSpec = { status: 409, slug: 'conflict', title: 'Conflict', headers: { 'WWW-Authenticate': 'Bearer' } };
    const problem = problemFrom(
      { code: 'X', message: 'It clashes.', details: { fields: [{ path: 'body.a', message: 'is taken' }], extras: { existingId: 'p1' }, retryAfterSeconds: 2.2 } },
      spec,
    );
    expect(problem.status).toBe(409);
    expect(problem.toJSON()).toEqual({ type: '/problems/conflict', title: 'Conflict', status: 409, detail: 'It clashes.', errors: [{ path: 'body.a', message: 'is taken' }], existingId: 'p1' });
    expect(problem.headers).toEqual({ 'WWW-Authenticate': 'Bearer', 'Retry-After': '3' });
    expect(problemFrom({ code: 'X', message: 'soon', details: { retryAfterSeconds: 0.01 } }, spec).headers['Retry-After']).toBe('1');
  });

  it('maps only its own error type; anything else passes through unchanged, the first match wins', () => {
    const gone = new SampleError('GONE', 'It is gone.');
    const mapped = toHttpError(gone, [accountErrorMapping, sampleMapping]) as HttpProblem;
    expect(mapped).toBeInstanceOf(HttpProblem);
    expect(mapped.toJSON()).toEqual({ type: '/problems/gone', title: 'Gone', status: 410, detail: 'It is gone.' });
    const slow = toHttpError(new SampleError('SLOW', 'Slow down.', { retryAfterSeconds: 5 }), [sampleMapping]) as HttpProblem;
    expect(slow.toJSON()).toMatchObject({ status: 429, code: 'SLOW' });
    expect(slow.headers).toEqual({ 'X-Why': 'slow', 'Retry-After': '5' });
    const other = new Error('boom');
    expect(toHttpError(other, [sampleMapping, accountErrorMapping])).toBe(other);
    expect(toHttpError(gone, [accountErrorMapping])).toBe(gone);
    const first = mapErrors(SampleError, { GONE: { status: 404, slug: 'not-found', title: 'Not found' }, SLOW: { status: 503, slug: 'unavailable', title: 'x' } });
    expect((toHttpError(gone, [first, sampleMapping]) as HttpProblem).status).toBe(404);
  });

  it('answers the accounts module’s errors as it did before the codes (status, slug, headers, errors)', () => {
    const answer = (e: AccountError) => toHttpError(e, [accountErrorMapping]) as HttpProblem;
    expect(answer(accountErrors.invalidCredentials()).headers['WWW-Authenticate']).toBe('Bearer');
    expect(answer(accountErrors.invalidApiKey()).toJSON()).toEqual({ type: '/problems/unauthorized', title: 'Unauthorized', status: 401, detail: 'The API key is unknown or revoked.' });
    expect(answer(accountErrors.emailTaken()).toJSON()).toMatchObject({ status: 409, type: '/problems/email-taken', errors: [{ path: 'body.email', message: 'is already registered' }] });
    expect(answer(accountErrors.wrongPassword('body.password')).toJSON()).toMatchObject({ status: 422, type: '/problems/validation', errors: [{ path: 'body.password', message: 'is wrong' }] });
    expect(answer(accountErrors.mailFailed()).status).toBe(503);
  });

  it('keeps chat’s `reason` and catalog’s extras on the answer', () => {
    const chat = toHttpError(chatErrors.originNotAllowed('https://evil.example'), [mapErrors(ChatError, CHAT_PROBLEMS)]) as HttpProblem;
    expect(chat.toJSON()).toMatchObject({ status: 403, type: '/problems/forbidden', reason: 'origin-not-allowed', origin: 'https://evil.example' });
    const ro = toHttpError(catalogErrors.readOnly('synced', { readOnly: true, source: 'shopify' }), [mapErrors(CatalogError, CATALOG_PROBLEMS)]) as HttpProblem;
    expect(ro.toJSON()).toMatchObject({ status: 409, type: '/problems/conflict', readOnly: true, source: 'shopify' });
  });
});

describe('the problem tables', () => {
  const tables: Record<string, Record<string, ProblemSpec>> = {
    accounts: ACCOUNT_PROBLEMS,
    catalog: CATALOG_PROBLEMS,
    chat: CHAT_PROBLEMS,
    plugin: PLUGIN_ERROR_PROBLEMS,
    pluginHost: PLUGIN_HOST_PROBLEMS,
  };
  it('name only slugs that have a /problems page with the same status', () => {
    for (const [name, table] of Object.entries(tables)) {
      for (const [code, spec] of Object.entries(table)) {
        const page = PROBLEM_PAGES[spec.slug];
        expect(page, `${name}.${code} → /problems/${spec.slug}`).toBeDefined();
        if (!['validation', 'not-found', 'conflict', 'forbidden', 'unauthorized'].includes(spec.slug)) expect(page!.status, `${name}.${code}`).toBe(spec.status);
      }
    }
  });

  it('answers every PluginError code with the SDK’s status (a plugin’s own defect as 502), never 500', () => {
    for (const [code, status] of Object.entries(PLUGIN_ERROR_STATUS) as [PluginErrorCode, number][]) {
      expect(PLUGIN_ERROR_PROBLEMS[code].status, code).toBe(status === 500 ? 502 : status);
      expect(PLUGIN_ERROR_PROBLEMS[code].slug).toBe(code.toLowerCase().replace(/_/g, '-'));
    }
  });
});

describe('coded errors through a real Express app', () => {
  const servers: import('node:http').Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));

  async function serve(throwing: () => unknown, before?: RequestHandler): Promise<string> {
    const app = express();
    const router = express.Router();
    mountRoute(
      router,
      defineRoute({ method: 'get', path: '/x', summary: 'x', tags: ['t'], responses: { 200: { description: 'ok', schema: z.object({}) } }, before: before ? [before] : [], handler: () => throwing() }),
      PLUGIN_HOST_ERROR_MAPPINGS,
    );
    app.use(router);
    app.use(problemErrorHandler(pino({ level: 'silent' }), [accountErrorMapping]));
    const server = app.listen(0, '127.0.0.1');
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
  }

  const cases: [PluginError, number, string][] = [
    [new PluginError('WEBHOOK_SIGNATURE_INVALID', 'bad signature'), 401, 'webhook-signature-invalid'],
    [new PluginError('PLUGIN_NOT_INSTALLED', 'not installed here'), 404, 'plugin-not-installed'],
    [new PluginError('UPSTREAM_FAILED', 'the platform said no'), 502, 'upstream-failed'],
    [new PluginError('UPSTREAM_AUTH', 'token revoked'), 502, 'upstream-auth'],
    [new PluginError('PLUGIN_SETUP_FAILED', 'broken plugin'), 502, 'plugin-setup-failed'],
  ];
  it.each(cases)('answers PluginError %s as a problem, not a 500', async (error, status, slug) => {
    const res = await fetch(await serve(() => Promise.reject(error)));
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toEqual({ type: `/problems/${slug}`, title: 'Plugin refused', status, detail: error.message, code: error.code });
  });

  it('answers a platform that asked us to wait with 503 and Retry-After', async () => {
    const res = await fetch(await serve(() => Promise.reject(new PluginError('UPSTREAM_RETRYABLE', 'slow down', { retryAfterSeconds: 7 }))));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('7');
  });

  it('maps the host’s own errors, and errors from a guard through the app’s handler', async () => {
    const taken = await fetch(await serve(() => Promise.reject(pluginHostErrors.accountTaken('shopify'))));
    expect(taken.status).toBe(409);
    expect(await taken.json()).toMatchObject({ type: '/problems/conflict', code: 'INSTALL_ACCOUNT_TAKEN' });
    const guard: RequestHandler = (_req, _res, next) => next(accountErrors.csrf());
    const csrf = await fetch(await serve(() => ({}), guard));
    expect(csrf.status).toBe(403);
    expect(await csrf.json()).toMatchObject({ type: '/problems/csrf', title: 'CSRF check failed' });
    const limited: RequestHandler = (_req, _res, next) => next(new RateLimitedError('Too many.', 12.5));
    const res = await fetch(await serve(() => ({}), limited));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('13');
    const unknown = await fetch(await serve(() => Promise.reject(new Error('boom'))));
    expect(unknown.status).toBe(500);
  });
});
