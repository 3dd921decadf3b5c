// WordPress "Erase Personal Data" / "Export Personal Data" reach Concierge: the plugin's eraser and
// exporter, run through WordPress's own admin-ajax erasure request, call the real Concierge server
// with the stored tenant API key; the merchant API then shows the customer's conversation gone and
// the personal fields of their bookings (name, email, phone, notes, the merchant's cancel reason)
// erased, while another customer's booking is untouched.
import { createHmac, randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createMerchant, type TestMerchant } from '../../helpers/merchant.ts';
import { startWordPress, type WordPressSite } from '../../helpers/wordpress.ts';

const EMAIL = 'kim@customer.example';
let app: TestApp;
let wp: WordPressSite;
let owner: TestMerchant;
let conversationId: string;
/** Kim's bookings: one under her email, one made in her verified conversation under a work address (later cancelled). */
let kimBookings: string[] = [];
let otherBooking: string;

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  [app, wp] = await Promise.all([
    startTestApp(),
    startWordPress({ plugins: { concierge: path.resolve('storefront-apps/woocommerce/concierge') }, activate: ['concierge/concierge.php'] }),
  ]);
  owner = await createMerchant(app.application);
  const botRes = await fetch(`${app.url}/api/v1/bots`, { method: 'POST', headers: owner.headers, body: JSON.stringify({ name: 'Privacy Bot', allowedOrigins: [wp.url] }) });
  const bot = (await botRes.json()) as { publicKey: string; identitySecret: string };
  const keyRes = await fetch(`${app.url}/api/v1/api-keys`, { method: 'POST', headers: owner.headers, body: JSON.stringify({ name: 'WordPress privacy tools', role: 'admin' }) });
  expect(keyRes.status).toBe(201);
  const apiKey = ((await keyRes.json()) as { key: string }).key;
  // A verified customer (as the WordPress plugin signs them) chats with the bot.
  const signature = createHmac('sha256', bot.identitySecret).update(`7\n${EMAIL}`).digest('hex');
  const session = await fetch(`${app.url}/widget/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: wp.url },
    body: JSON.stringify({ botKey: bot.publicKey, identity: { customerId: '7', email: EMAIL, signature } }),
  });
  expect(session.status).toBe(201);
  const s = (await session.json()) as { visitorToken: string; conversationId: string; identified: boolean };
  expect(s.identified).toBe(true);
  conversationId = s.conversationId;
  const msg = await fetch(`${app.url}/widget/v1/conversations/${conversationId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.visitorToken}`, origin: wp.url },
    body: JSON.stringify({ text: 'My size is 42, please remember' }),
  });
  expect(msg.status).toBe(202);

  // Bookings: a service and a resource through the merchant API, then three widget bookings.
  const service = await fetch(`${app.url}/api/v1/services`, { method: 'POST', headers: owner.headers, body: JSON.stringify({ name: 'Fitting', durationMinutes: 30, minNoticeMinutes: 60 }) });
  expect(service.status).toBe(201);
  const serviceId = ((await service.json()) as { id: string }).id;
  const hours = { start: '08:00', end: '18:00' };
  const weeklyHours = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [hours]]));
  const resource = await fetch(`${app.url}/api/v1/resources`, { method: 'POST', headers: owner.headers, body: JSON.stringify({ name: 'Lena', serviceIds: [serviceId], timeZone: 'Europe/Berlin', weeklyHours }) });
  expect(resource.status).toBe(201);
  const widgetHeaders = { 'content-type': 'application/json', authorization: `Bearer ${s.visitorToken}`, origin: wp.url };
  const free = await fetch(`${app.url}/widget/v1/availability?serviceId=${serviceId}&from=${day(2)}&to=${day(4)}`, { headers: widgetHeaders });
  expect(free.status).toBe(200);
  const slots = ((await free.json()) as { slots: { start: string }[] }).slots;
  expect(slots.length).toBeGreaterThanOrEqual(3);
  const book = async (headers: Record<string, string>, body: Record<string, unknown>) => {
    const res = await fetch(`${app.url}/widget/v1/bookings`, { method: 'POST', headers: { ...headers, 'idempotency-key': randomUUID() }, body: JSON.stringify({ serviceId, timeZone: 'Europe/Berlin', ...body }) });
    expect(res.status, await res.clone().text()).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };
  kimBookings = [
    await book(widgetHeaders, { start: slots[0]!.start, customer: { name: 'Kim Novak', email: 'Kim@Customer.example', phone: '+49 170 5550123' }, notes: 'Size 42, allergic to wool', conversationId }),
    await book(widgetHeaders, { start: slots[1]!.start, customer: { name: 'Kim Novak', email: 'kim.novak@office.example', phone: '+49 30 5550199' }, notes: 'Please call my office', conversationId }),
  ];
  const cancelled = await fetch(`${app.url}/api/v1/bookings/${kimBookings[1]}/cancel`, { method: 'POST', headers: owner.headers, body: JSON.stringify({ reason: 'Kim Novak phoned: she is ill', notifyCustomer: false }) });
  expect(cancelled.status).toBe(200);
  // Another shopper, in a session of their own: nothing of theirs may change.
  const other = (await (await fetch(`${app.url}/widget/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', origin: wp.url }, body: JSON.stringify({ botKey: bot.publicKey }) })).json()) as { visitorToken: string };
  otherBooking = await book({ 'content-type': 'application/json', authorization: `Bearer ${other.visitorToken}`, origin: wp.url }, { start: slots[2]!.start, customer: { name: 'Lee Other', email: 'lee@other.example', phone: '+44 20 5550100' }, notes: 'Window seat' });

  await wp.php(`update_option( 'concierge_server_url', '${app.url}' ); update_option( 'concierge_bot_key', '${bot.publicKey}' ); update_option( 'concierge_api_key', '${apiKey}' );`);
}, 180_000);
afterAll(async () => {
  await wp?.close();
  await app?.stop();
});

interface MerchantBooking { status: string; customer: { name: string; email: string; phone: string | null }; notes: string | null; cancelReason: string | null }
async function booking(id: string): Promise<MerchantBooking> {
  const res = await fetch(`${app.url}/api/v1/bookings/${id}`, { headers: owner.headers });
  expect(res.status).toBe(200);
  return (await res.json()) as MerchantBooking;
}

describe('WordPress privacy tools and Concierge', () => {
  it('Export Personal Data includes the Concierge conversation and bookings of that email', async () => {
    const out = await wp.php(`$e = apply_filters( 'wp_privacy_personal_data_exporters', array() ); echo wp_json_encode( call_user_func( $e['concierge']['callback'], '${EMAIL}', 1 ) );`);
    const exported = JSON.parse(out) as { done: boolean; data: { group_id: string; item_id: string; data: { name: string; value: string }[] }[] };
    expect(exported.done).toBe(true);
    const item = exported.data.find((d) => d.item_id === `concierge-conversation-${conversationId}`);
    expect(item?.group_id).toBe('concierge-conversations');
    expect(item!.data.find((f) => f.name === 'Messages')?.value).toContain('My size is 42, please remember');
    // Both of Kim's bookings (her address, any case; and the one made in her conversation), not Lee's.
    const bookings = exported.data.filter((d) => d.group_id === 'concierge-bookings');
    expect(bookings.map((b) => b.item_id).sort()).toEqual(kimBookings.map((id) => `concierge-booking-${id}`).sort());
    expect(bookings.flatMap((b) => b.data.filter((f) => f.name === 'Phone').map((f) => f.value)).sort()).toEqual(['+49 170 5550123', '+49 30 5550199']);
  });

  it('Erase Personal Data (WordPress admin-ajax, confirmed request) erases the conversation and the bookings\' personal fields in Concierge', async () => {
    const before = await fetch(`${app.url}/api/v1/conversations/${conversationId}`, { headers: owner.headers });
    expect(before.status).toBe(200);
    const otherBefore = await booking(otherBooking);
    const requestId = (await wp.php(`$id = wp_create_user_request( '${EMAIL}', 'remove_personal_data' ); _wp_privacy_account_request_confirmed( $id ); echo $id;`)).trim();
    expect(requestId).toMatch(/^\d+$/);
    const admin = await wp.login();
    const page = await (await admin.fetch('/wp-admin/erase-personal-data.php')).text();
    const nonce = new RegExp(`data-request-id="${requestId}" data-nonce="([0-9a-f]+)"`).exec(page)?.[1];
    expect(nonce).toBeDefined();
    const erasers = JSON.parse(await wp.php("echo wp_json_encode( array_keys( apply_filters( 'wp_privacy_personal_data_erasers', array() ) ) );")) as string[];
    const index = erasers.indexOf('concierge') + 1; // WordPress numbers erasers from 1
    expect(index).toBeGreaterThan(0);
    const res = await admin.fetch('/wp-admin/admin-ajax.php', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ action: 'wp-privacy-erase-personal-data', eraser: String(index), id: requestId, page: '1', security: nonce! }),
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { success: boolean; data: { items_removed: boolean; items_retained: boolean; done: boolean } };
    expect(answer).toMatchObject({ success: true, data: { items_removed: true, items_retained: false, done: true } });
    // Checked through the merchant API: the conversation is gone.
    const after = await fetch(`${app.url}/api/v1/conversations/${conversationId}`, { headers: owner.headers });
    expect(after.status).toBe(404);
    // ...and her bookings keep their time and status for the merchant's books, but nothing personal.
    for (const id of kimBookings) {
      const b = await booking(id);
      expect(b.customer.name).toBe('(erased)');
      expect(b.customer.email).toBe(`erased+${id}@invalid.invalid`);
      expect(b.customer.phone).toBeNull();
      expect(b.notes).toBeNull();
      expect(b.cancelReason).toBeNull();
      expect(JSON.stringify(b)).not.toMatch(/kim|novak|5550|wool|office|is ill/i);
    }
    expect((await booking(kimBookings[0]!)).status).toBe('confirmed');
    expect((await booking(kimBookings[1]!)).status).toBe('cancelled');
    // Lee's booking is untouched.
    expect(await booking(otherBooking)).toEqual(otherBefore);
    expect(otherBefore).toMatchObject({ customer: { name: 'Lee Other', email: 'lee@other.example', phone: '+44 20 5550100' }, notes: 'Window seat' });
    const erasedAgain = await fetch(`${app.url}/api/v1/privacy/erase`, { method: 'POST', headers: owner.headers, body: JSON.stringify({ email: EMAIL }) });
    expect(await erasedAgain.json()).toEqual({ conversationsErased: 0, bookingsErased: 0, ordersErased: 0 });
  });

  it('refuses the privacy routes without credentials and a malformed email with a 4xx problem', async () => {
    const anonymous = await fetch(`${app.url}/api/v1/privacy/erase`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: EMAIL }) });
    expect(anonymous.status).toBe(401);
    const bad = await fetch(`${app.url}/api/v1/privacy/export`, { method: 'POST', headers: owner.headers, body: JSON.stringify({ email: 'not-an-email' }) });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
  });
});
