import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createMerchant } from '../../helpers/merchant.ts';
import { createStore, WidgetClient } from './helpers.ts';

/** Issue #18: a German page got a German interface with the English greeting. */
describe('greetings per language', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  it('greets in the page’s language when the bot has a greeting for it, else with the default', async () => {
    const store = await createStore(app.application);
    const owner = await createMerchant(app.application, { tenantId: store.tenantId });
    const res = await fetch(`${app.url}/api/v1/bots/${store.botId}`, {
      method: 'PATCH',
      headers: owner.headers,
      body: JSON.stringify({ greeting: 'Hi! How can I help?', greetings: { de: 'Hallo! Wie kann ich helfen?', 'en-GB': 'Hello! How may I help?' } }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect((await res.json()).greetings).toEqual({ de: 'Hallo! Wie kann ich helfen?', 'en-GB': 'Hello! How may I help?' });
    const greetingFor = async (locale: string) => (await new WidgetClient(app.url).start(store.botKey, { locale })).bot.greeting;
    expect(await greetingFor('de-DE')).toBe('Hallo! Wie kann ich helfen?');
    expect(await greetingFor('de')).toBe('Hallo! Wie kann ich helfen?');
    expect(await greetingFor('en-GB')).toBe('Hello! How may I help?');
    expect(await greetingFor('en-US')).toBe('Hi! How can I help?');
    expect(await greetingFor('fr')).toBe('Hi! How can I help?');
    const bad = await fetch(`${app.url}/api/v1/bots/${store.botId}`, { method: 'PATCH', headers: owner.headers, body: JSON.stringify({ greetings: { 'not a tag': 'x' } }) });
    expect(bad.status).toBe(422);
  });
});
