import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createTestDatabase } from '../../helpers/db.ts';

/** Safe production defaults (issue 15): metrics protected, no dev or demo routes, mail never silently filed. */

const PRODUCTION = { NODE_ENV: 'production', MAIL_TRANSPORT: 'log', DEMO_SEED: 'true' };
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('production defaults', () => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const app of apps.reverse()) await app.stop();
  });

  it('serves no demo page, no dev outbox and no metrics without a token; says metrics are off; drops mail with a log line', async () => {
    const { logger, lines } = capture();
    const app = await startTestApp(PRODUCTION, { logger });
    apps.push(app);
    expect((await fetch(`${app.url}/`)).status).toBe(404);
    expect((await fetch(`${app.url}/dev/outbox`)).status).toBe(404);
    expect((await fetch(`${app.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    expect(app.application.demoPage).toBe(false);
    expect(lines.some((l) => /metrics are off/.test(String(l.msg)))).toBe(true);

    await app.application.mail.send({ to: ['shopper@example.com'], subject: 'Your booking', text: 'secret manage link https://x/manage/abc' });
    const dropped = lines.find((l) => /mail dropped/.test(String(l.msg)));
    expect(dropped).toMatchObject({ mail: { recipients: 1, subject: 'Your booking' } });
    expect(JSON.stringify(lines)).not.toContain('manage/abc');
    expect(JSON.stringify(lines)).not.toContain('shopper@example.com');
  });

  it('serves /metrics to the bearer of METRICS_TOKEN only', async () => {
    const app = await startTestApp({ ...PRODUCTION, METRICS_TOKEN });
    apps.push(app);
    const none = await fetch(`${app.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } })).status).toBe(401);
    const ok = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/http_request_duration_seconds/);
  });

  it('serves /metrics on METRICS_LISTEN only, and nothing else there', async () => {
    const app = await startTestApp({ ...PRODUCTION, METRICS_LISTEN: '127.0.0.1:0' });
    apps.push(app);
    expect(app.metricsPort).toBeGreaterThan(0);
    const metrics = `http://127.0.0.1:${app.metricsPort}`;
    const ok = await fetch(`${metrics}/metrics`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/http_request_duration_seconds/);
    expect((await fetch(`${metrics}/healthz`)).status).toBe(404);
    expect((await fetch(`${metrics}/api/openapi.json`)).status).toBe(404);
    expect((await fetch(`${app.url}/metrics`)).status).toBe(404);
  });
});

describe('development demo', () => {
  it('keeps the demo widget working when PUBLIC_URL or PORT change between starts', async () => {
    const database = await createTestDatabase();
    try {
      const first = await startTestApp({ DEMO_SEED: 'true', PUBLIC_URL: 'http://demo-a.test:3001', NODE_ENV: 'development' }, { database });
      const botKey = first.application.demo!.botKey;
      await first.stop();
      const second = await startTestApp({ DEMO_SEED: 'true', PUBLIC_URL: 'http://demo-b.test:3002', NODE_ENV: 'development' }, { database });
      try {
        expect(second.application.demo).toBeUndefined(); // not seeded again
        for (const origin of ['http://demo-b.test:3002', 'http://demo-a.test:3001']) {
          const res = await fetch(`${second.url}/widget/v1/sessions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', origin },
            body: JSON.stringify({ botKey }),
          });
          expect(res.status, origin).toBe(201);
        }
      } finally {
        await second.stop();
      }
    } finally {
      await database.drop();
    }
  });
});
