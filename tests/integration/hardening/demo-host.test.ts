import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';

/** The demo page builds the widget URL from PUBLIC_URL, never from the request's Host header (issue 14). */
describe('demo page', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ DEMO_SEED: 'true', PUBLIC_URL: 'https://concierge.example.test' });
  });
  afterAll(() => app.stop());

  it('points the widget at PUBLIC_URL whatever Host the request names', async () => {
    const port = new URL(app.url).port;
    const http = await import('node:http');
    const page = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/', headers: { host: 'evil.example' } }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve(body));
        })
        .on('error', reject);
    });
    expect(page).toContain('https://concierge.example.test/widget.js');
    expect(page).not.toContain('evil.example');
  });
});
