import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSmtp, type TestSmtp } from '../../fakes/smtp-server.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.ts';
import { startInstance, startLoadBalancer, type InstanceProcess, type LoadBalancer } from '../../helpers/instances.ts';
import { createMerchant } from '../../helpers/merchant.ts';
import { startPgBouncer, type PgBouncer } from '../../helpers/pgbouncer.ts';
import { startStallingProxy, type StallingProxy } from '../booking/fixtures/stalling-proxy.ts';
import { createStore as createBookingStore, eventually, merchantApi, NINE_TO_FIVE, widgetApi, widgetSession } from '../booking/helpers.ts';
import { createStore, STORE_ORIGIN, WidgetClient } from '../chat/helpers.ts';

/**
 * Scale-out as production runs it (design.md §11, issue 13): three instances, each in a process of
 * its own, behind a round-robin load balancer, every query through PgBouncer in TRANSACTION mode,
 * LISTEN on a direct connection (DATABASE_LISTEN_URL). A fourth, in-process instance on the direct
 * URL only sets up stores (it serves none of the traffic under test).
 */

/** A request on a connection of its own (no keep-alive), so a load balancer can spread them. */
function request(url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const payload = init.body === undefined ? undefined : JSON.stringify(init.body);
    const req = http.request(url, { method: init.method ?? 'GET', agent: false, headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...init.headers } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

describe('three instances behind a load balancer, through PgBouncer in transaction mode', () => {
  let database: TestDatabase;
  let bouncer: PgBouncer;
  let setup: TestApp;
  let smtp: TestSmtp;
  let stall: StallingProxy;
  let instances: InstanceProcess[] = [];
  let lb: LoadBalancer;
  // Every instance (and the set-up one) shares this clock: the reminders test moves it to their day.
  const clockOffsetMs = new Date('2027-03-01T07:00:00Z').getTime() - Date.now();

  beforeAll(async () => {
    database = await createTestDatabase();
    bouncer = await startPgBouncer(database.url);
    smtp = await startTestSmtp();
    // Instance 0 sends through a proxy that holds back the 4th message: the kill lands mid-batch.
    stall = await startStallingProxy(smtp.port, 4);
    setup = await startTestApp({ SMTP_URL: smtp.url }, { database, clock: () => new Date(Date.now() + clockOffsetMs), booking: { worker: { enabled: false } } });
    const env = (smtpUrl: string) => ({ DATABASE_URL: bouncer.through(database.url), DATABASE_LISTEN_URL: database.url, SMTP_URL: smtpUrl, DB_POOL_MAX: '5' });
    instances = await Promise.all(
      [0, 1, 2].map((i) =>
        startInstance({
          env: env(i === 0 ? stall.url : smtp.url),
          clockOffsetMs,
          // Reminder workers stay off until the reminders test starts them (a due-time move).
          worker: { instanceId: `instance-${i}`, tickSeconds: 1, leaseMs: 4_000, batchSize: 10, enabled: false },
        }),
      ),
    );
    lb = await startLoadBalancer(instances.map((i) => i.url));
  }, 180_000);

  afterAll(async () => {
    await lb?.close();
    await Promise.all(instances.map((i) => i.stop()));  // a killed one is already gone
    await setup?.stop();
    await stall?.close();
    await smtp?.close();
    await bouncer?.stop();
    await database?.drop();
  });

  it('spreads connections over all three instances, each answering through PgBouncer', async () => {
    for (let i = 0; i < 9; i++) expect((await request(`${lb.url}/readyz`)).status).toBe(200);
    expect(lb.counts.every((n) => n >= 3)).toBe(true);
    // PostgreSQL sees the instances' pooled work arrive from PgBouncer's server connections.
    const viaBouncer = await database.db.knex.raw(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'pgbouncer'`);
    const log = await bouncer.log();
    expect(viaBouncer.rows[0].n + (/new connection to server/.test(log) ? 1 : 0)).toBeGreaterThan(0);
  });

  it('a shopper streaming from one instance gets every agent reply sent through the others, once and in order', async () => {
    const store = await createStore(setup.application);
    const merchant = await createMerchant(setup.application, { tenantId: store.tenantId });
    const widget = new WidgetClient(lb.url);
    await widget.start(store.botKey);
    await widget.send('Can I talk to a human?');
    const stream = widget.stream(undefined, 'query', instances[0]!.url);
    const conv = widget.session.conversationId;
    expect((await request(`${instances[1]!.url}/api/v1/conversations/${conv}/takeover`, { method: 'POST', headers: merchant.headers })).status).toBeLessThan(300);
    const texts = Array.from({ length: 12 }, (_, i) => `Reply ${i + 1} from the team`);
    for (const [i, text] of texts.entries()) {
      const via = instances[1 + (i % 2)]!.url;
      const res = await request(`${via}/api/v1/conversations/${conv}/messages`, { method: 'POST', headers: merchant.headers, body: { text } });
      expect(res.status).toBe(201);
    }
    await eventually(() => stream.events.filter((e) => e.event === 'message.created' && e.data.role === 'agent').length >= texts.length, 15_000, 'agent replies on the stream');
    await new Promise((r) => setTimeout(r, 300)); // room for a duplicate to show up
    const agentTexts = stream.events.filter((e) => e.event === 'message.created' && e.data.role === 'agent').map((e) => e.data.text);
    expect(agentTexts).toEqual(texts);
    const ids = stream.events.map((e) => Number(e.id)).filter(Number.isFinite);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    stream.close();
  });

  it('a logout through one instance rejects the token on the other two at once', async () => {
    const merchant = await createMerchant(setup.application);
    for (const instance of instances) expect((await request(`${instance.url}/api/v1/me`, { headers: merchant.headers })).status).toBe(200);
    expect((await request(`${instances[2]!.url}/api/v1/auth/logout`, { method: 'POST', headers: { authorization: merchant.headers.authorization! } })).status).toBe(204);
    for (const instance of instances.slice(0, 2)) {
      await eventually(async () => (await request(`${instance.url}/api/v1/me`, { headers: merchant.headers })).status === 401, 2_000, 'revocation on another instance');
    }
  });

  it('the per-address session limit holds across instances under concurrency: exactly 60 of 66 get in', async () => {
    const store = await createStore(setup.application);
    const answers = await Promise.all(
      // One shopper address of its own (the instances trust X-Forwarded-For from the loopback balancer).
      Array.from({ length: 66 }, (_, i) => request(`${instances[i % 3]!.url}/widget/v1/sessions`, { method: 'POST', headers: { origin: STORE_ORIGIN, 'x-forwarded-for': '203.0.113.7' }, body: { botKey: store.botKey } })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(60);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
  });

  it('reminders with one instance SIGKILLed mid-batch: none lost, none twice', async () => {
    const store = await createBookingStore(setup);
    const api = merchantApi(setup, store);
    const settings = await api.put('/api/v1/booking-settings', { reminderOffsetsMinutes: [7 * 24 * 60], notificationEmail: 'desk@store.example' });
    expect(settings.status, JSON.stringify(settings.body)).toBe(200);
    const service = await api.post('/api/v1/services', { name: 'Fitting', durationMinutes: 60 });
    for (let r = 0; r < 4; r++) expect((await api.post('/api/v1/resources', { name: `Tailor ${r}`, serviceIds: [service.body.id], timeZone: 'Europe/Berlin', weeklyHours: NINE_TO_FIVE })).status).toBe(201);
    const w = widgetApi(setup, await widgetSession(setup, store));
    const bookingIds: string[] = [];
    for (let hour = 9; hour < 17; hour++) {
      for (let r = 0; r < 4; r++) {
        const res = await w.book({ serviceId: service.body.id, start: `2027-03-10T${String(hour).padStart(2, '0')}:00:00+01:00`, customer: { name: `S${hour}-${r}`, email: `s${hour}-${r}@example.com` } });
        expect(res.status).toBe(201);
        bookingIds.push(res.body.id);
      }
    }
    // Confirmations and merchant notes are not part of this test: mark them sent.
    await database.db.knex('booking_notifications').where({ tenant_id: store.tenantId }).whereNot({ kind: 'reminder' }).update({ status: 'sent', sent_at: new Date() });
    // The reminders fall due: the instances' clocks cannot move, so their due time moves to now.
    await database.db.knex('booking_notifications').where({ tenant_id: store.tenantId, kind: 'reminder' }).update({ due_at: new Date(Date.now() + clockOffsetMs - 1_000), next_attempt_at: new Date(Date.now() + clockOffsetMs - 1_000) });
    const before = smtp.mails.length;

    // Instance 0 alone first: it claims 10, sends 3, and hangs on the 4th; then it dies.
    await instances[0]!.startWorker();
    await stall.stalled;
    expect(stall.forwarded).toBe(3);
    await instances[0]!.kill();
    await Promise.all([instances[1]!.startWorker(), instances[2]!.startWorker()]);

    await eventually(() => smtp.mails.length - before >= bookingIds.length, 30_000, 'every reminder');
    await new Promise((r) => setTimeout(r, 5_000)); // past the lease: time for a duplicate to show up
    const reminders = smtp.mails.slice(before).filter((m) => /^Reminder/.test(m.subject ?? ''));
    const ids = reminders.map((m) => String(m.headers.get('message-id')));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(bookingIds.length);
    const rows = await database.db.knex('booking_notifications').where({ tenant_id: store.tenantId, kind: 'reminder' }).select('status', 'booking_id');
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    expect(new Set(rows.map((r) => r.booking_id))).toEqual(new Set(bookingIds));
  }, 120_000);
});
