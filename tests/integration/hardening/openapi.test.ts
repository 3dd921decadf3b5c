import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_PAGES } from '../../../core/http/problem-pages.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';

/** The API document tells the truth (issues 14, 15): valid, named operations, every error answer a problem. */

type Operation = { operationId?: string; responses: Record<string, { content?: Record<string, unknown> }> };
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

describe('the OpenAPI document', () => {
  let app: TestApp;
  let doc: { paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>> };

  beforeAll(async () => {
    app = await startTestApp();
    doc = await (await fetch(`${app.url}/api/openapi.json`)).json();
  });
  afterAll(() => app.stop());

  it('is a valid OpenAPI 3.1 document for a real validator (@apidevtools/swagger-parser)', async () => {
    const copy = structuredClone(doc);
    await expect(SwaggerParser.validate(copy as never)).resolves.toBeTruthy();
  });

  it('names every operation with a unique operationId', () => {
    const ids: string[] = [];
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        expect(op.operationId, `${method} ${p}`).toMatch(/^[a-z][A-Za-z0-9]+$/);
        ids.push(op.operationId!);
      }
    }
    expect(ids.length).toBeGreaterThan(60);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('documents every error answer with the problem schema as application/problem+json, and 401 on every secured operation', () => {
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const method of METHODS) {
        const op = item[method] as (Operation & { security?: unknown[] }) | undefined;
        if (!op) continue;
        for (const [status, response] of Object.entries(op.responses)) {
          if (status !== 'default' && Number(status) < 400) continue;
          expect(Object.keys(response.content ?? {}), `${method} ${p} ${status}`).toEqual(['application/problem+json']);
          expect(JSON.stringify(response.content), `${method} ${p} ${status}`).toContain('#/components/schemas/Problem');
        }
        if (op.security?.length) expect(op.responses['401'], `${method} ${p}`).toBeDefined();
      }
    }
  });

  it('answers 405 with Allow for an unsupported method on a known path, 404 for an unknown path', async () => {
    const res = await fetch(`${app.url}/api/v1/me`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect((await res.json()).type).toBe('/problems/method-not-allowed');
    const withParam = await fetch(`${app.url}/api/v1/bots/6b1f8c1e-9d1a-4c33-9d55-2f7d1c1b0a01`, { method: 'POST' });
    expect(withParam.status).toBe(405);
    expect(withParam.headers.get('allow')).toContain('PATCH');
    expect((await fetch(`${app.url}/api/v1/nothing-here`, { method: 'DELETE' })).status).toBe(404);
    // A concrete path wins over a templated one: GET /products/bulk is not GET /products/{id} with id "bulk".
    const concrete = await fetch(`${app.url}/api/v1/products/bulk`, { headers: { authorization: 'Bearer x' } });
    expect(concrete.status).toBe(405);
    expect(concrete.headers.get('allow')).toBe('POST');
  });

  it('resolves every problem type the code can answer with to a page that says what happened and how to fix it', async () => {
    const used = new Set<string>(['validation', 'not-found', 'internal', 'method-not-allowed']);
    const root = path.resolve(import.meta.dirname, '../../..');
    for (const file of [...sourceFiles(path.join(root, 'core')), ...sourceFiles(path.join(root, 'plugins'))]) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/new HttpProblem\(\s*\d{3},\s*'([a-z0-9-]+)'/g)) used.add(m[1]!);
      for (const m of text.matchAll(/\/problems\/([a-z0-9-]+)/g)) used.add(m[1]!);
    }
    for (const slug of used) {
      expect(PROBLEM_PAGES[slug], `page for /problems/${slug}`).toBeDefined();
    }
    const page = await fetch(`${app.url}/problems/validation`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const text = await page.text();
    expect(text).toContain('Validation failed');
    expect(text).toContain('How to fix it');
    const unknown = await fetch(`${app.url}/problems/no-such-thing`);
    expect(unknown.status).toBe(404);
    expect((await fetch(`${app.url}/problems/constructor`)).status).toBe(404);
  });
});
