import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createMerchant } from '../../helpers/merchant.ts';
import { createStore, WidgetClient } from './helpers.ts';

/** Issue #18: `widgetOpens` stayed 0 however often the widget was opened. */
describe('widget opened', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  it('counts each opening in the analytics summary, only for the visitor’s own conversation', async () => {
    const store = await createStore(app.application);
    const owner = await createMerchant(app.application, { tenantId: store.tenantId });
    const widget = new WidgetClient(app.url);
    await widget.start(store.botKey);
    const open = (id: string) => fetch(`${app.url}/widget/v1/conversations/${id}/opened`, { method: 'POST', headers: widget.headers() });
    expect((await open(widget.session.conversationId)).status).toBe(204);
    expect((await open(widget.session.conversationId)).status).toBe(204);
    expect((await open('00000000-0000-4000-8000-000000000000')).status).toBe(404);
    await app.application.analytics.recorder.flush();
    // Dates are read in the store's zone (Europe/Berlin here): "today" is its date, not UTC's
    // (between 23:00 and 24:00 UTC the two differ, and the opens would fall outside the range).
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(new Date());
    const res = await fetch(`${app.url}/api/v1/analytics/summary?from=${today}&to=${today}`, { headers: owner.headers });
    expect(res.status, await res.clone().text()).toBe(200);
    expect((await res.json()).widgetOpens).toBe(2);
  });
});
