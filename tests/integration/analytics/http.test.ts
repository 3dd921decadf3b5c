import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsEvent } from '../../../core/analytics/events.schema.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createMerchant, type TestMerchant } from '../../helpers/merchant.ts';
import { berlinEvents, C, type EventDraft, newYorkDays, newYorkEvents, newYorkLateRerating, newYorkTotals } from './fixture.ts';

/** The merchant analytics API through the real application: shapes, CSV, validation, isolation, /metrics. */
describe('analytics HTTP API', () => {
  let app: TestApp;
  let ny: TestMerchant;
  let berlin: TestMerchant;
  let quoted: TestMerchant;

  const get = (merchant: TestMerchant | undefined, path: string) => fetch(`${app.url}${path}`, { headers: merchant ? { authorization: merchant.headers.authorization! } : {} });
  const json = async (merchant: TestMerchant, path: string) => {
    const res = await get(merchant, path);
    expect(res.status, await res.clone().text()).toBe(200);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const record = (tenantId: string, events: EventDraft[]) => {
    for (const e of events) app.application.analytics.recorder.record({ ...e, tenantId } as AnalyticsEvent);
  };

  beforeAll(async () => {
    app = await startTestApp();
    ny = await createMerchant(app.application, { timeZone: 'America/New_York', role: 'agent' });
    berlin = await createMerchant(app.application, { timeZone: 'Europe/Berlin' });
    quoted = await createMerchant(app.application, { timeZone: 'UTC' });
    record(ny.tenantId, [...newYorkEvents(), ...newYorkLateRerating()]);
    record(berlin.tenantId, berlinEvents());
    record(quoted.tenantId, [
      {
        type: 'message.answered', occurredAt: new Date('2026-11-10T12:00:00Z'), conversationId: C.c1, responseMs: 900,
        promptTokens: 1_000_000, completionTokens: 0, model: 'acme "fast", v2', adapter: 'openai',
      },
    ]);
    await app.application.analytics.recorder.flush();
  });
  afterAll(() => app?.stop());

  it('answers the summary for a date range read in the store\'s time zone', async () => {
    const body = await json(ny, '/api/v1/analytics/summary?from=2026-10-31&to=2026-11-03');
    expect(body).toEqual({
      from: '2026-10-31T00:00:00-04:00',
      to: '2026-11-04T00:00:00-05:00',
      timeZone: 'America/New_York',
      activeToday: expect.any(Number),
      ...newYorkTotals,
    });
  });

  it('answers a day time series with one point per local day, empty days included, labelled at local midnight', async () => {
    const body = await json(ny, '/api/v1/analytics/timeseries?from=2026-10-31&to=2026-11-03&interval=day');
    expect(body.interval).toBe('day');
    expect(body.points).toEqual([
      { at: '2026-10-31T00:00:00-04:00', ...newYorkDays['2026-10-31'] },
      { at: '2026-11-01T00:00:00-04:00', ...newYorkDays['2026-11-01'] },
      { at: '2026-11-02T00:00:00-05:00', ...newYorkDays['2026-11-02'] },
      { at: '2026-11-03T00:00:00-05:00', ...newYorkDays['2026-11-03'] },
    ]);
  });

  it('answers an hour time series with 25 local hours on the New York fall-back day', async () => {
    const body = await json(ny, '/api/v1/analytics/timeseries?from=2026-11-01&to=2026-11-01&interval=hour');
    const points = body.points as Record<string, unknown>[];
    expect(points).toHaveLength(25);
    expect(points.slice(0, 4).map((p) => p.at)).toEqual(['2026-11-01T00:00:00-04:00', '2026-11-01T01:00:00-04:00', '2026-11-01T01:00:00-05:00', '2026-11-01T02:00:00-05:00']);
    expect(points[24]!.at).toBe('2026-11-01T23:00:00-05:00');
    // 00:00 EDT: c2 starts and fails; the first 01:30: an answer and a handoff; the second 01:30: c3 and a booking; 23:30 EST: c3 rated down.
    expect(points.map((p) => [p.conversations, p.messages, p.errors, p.handoffs, p.bookings, p.ratingsDown, p.bookingsCancelled]).filter((_, i) => [0, 1, 2, 24].includes(i))).toEqual([
      [1, 1, 1, 0, 0, 0, 0],
      [0, 2, 0, 1, 0, 0, 0],
      [1, 2, 0, 0, 1, 0, 0],
      [0, 0, 0, 0, 0, 1, 1],
    ]);
    expect(points.slice(3, 24).every((p) => p.conversations === 0 && p.messages === 0 && p.visitors === 0)).toBe(true);
  });

  it('answers an hour time series with the repeated 02:00 hour on the Berlin fall-back day', async () => {
    const body = await json(berlin, '/api/v1/analytics/timeseries?from=2026-10-25&to=2026-10-25&interval=hour');
    const points = body.points as Record<string, unknown>[];
    expect(points).toHaveLength(25);
    expect([points[2]!.at, points[3]!.at]).toEqual(['2026-10-25T02:00:00+02:00', '2026-10-25T02:00:00+01:00']);
    expect([points[2]!.widgetOpens, points[2]!.conversations, points[3]!.conversations, points[3]!.errors]).toEqual([1, 0, 1, 1]);
    expect(points[24]).toMatchObject({ at: '2026-10-25T23:00:00+01:00', bookings: 1, ratingsUp: 1, csat: 1 });
  });

  it('streams the CSV export: text/csv, a header row, one CRLF row per local day incl. empty days', async () => {
    const res = await get(ny, '/api/v1/analytics/export.csv?from=2026-10-31&to=2026-11-03');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="analytics-2026-10-31-2026-11-03.csv"');
    const text = await res.text();
    expect(text.endsWith('\r\n')).toBe(true);
    const lines = text.slice(0, -2).split('\r\n');
    expect(lines).toEqual([
      'date,visitors,conversations,messages,shopper_messages,assistant_messages,prompt_tokens,completion_tokens,tokens,estimated_cost_usd,' +
        'avg_response_ms,p95_response_ms,errors,error_rate,handoffs,handoff_rate,bookings,bookings_cancelled,booking_conversion,widget_opens,' +
        'ratings_up,ratings_down,csat,models',
      '2026-10-31,1,1,4,2,2,2500,500,3000,0.000675,1000,1200,0,0,0,0,0,0,0,1,0,0,,gpt-4o-mini',
      // Two models: the field holds a comma, so it is quoted.
      '2026-11-01,3,2,5,3,2,2100,550,2650,0.01,1750,3000,1,0.3333,1,0.5,1,1,0.5,1,0,1,0,"offline, gpt-4o"',
      '2026-11-02,2,1,2,1,1,1000,100,1100,0.00021,2000,2000,0,0,0,0,1,0,0,0,1,1,0.5,gpt-4o-mini-2024-07-18',
      '2026-11-03,0,0,0,0,0,0,0,0,0,,,0,,0,,0,0,,0,0,0,,',
    ]);
  });

  it('quotes and doubles double quotes in CSV fields (RFC 4180), and prices an unknown model at the default', async () => {
    const text = await (await get(quoted, '/api/v1/analytics/export.csv?from=2026-11-10&to=2026-11-10')).text();
    // 1M input tokens of an unknown model at the default (gpt-4o) price: $2.50.
    expect(text.split('\r\n')[1]).toBe('2026-11-10,0,0,1,0,1,1000000,0,1000000,2.5,900,900,0,0,0,,0,0,,0,0,0,,"acme ""fast"", v2"');
  });

  it('never shows one store another store\'s numbers', async () => {
    const body = await json(berlin, '/api/v1/analytics/summary?from=2026-10-31&to=2026-11-03');
    expect(body).toMatchObject({ visitors: 0, conversations: 0, messages: 0, bookings: 0, tokens: 0, estimatedCostUsd: 0, timeZone: 'Europe/Berlin' });
    const csv = await (await get(berlin, '/api/v1/analytics/export.csv?from=2026-10-31&to=2026-11-03')).text();
    expect(csv.split('\r\n').slice(1, -1).every((line) => /^2026-1\d-\d\d,0,0,0,/.test(line))).toBe(true);
  });

  it.each([
    ['from=2026-13-01&to=2026-11-03', ['query.from']],
    ['from=2026-02-30', ['query.from']],
    ['from=2026-11-01T10:00:00&to=2026-11-03', ['query.from']],
    ['from=yesterday&to=now', ['query.from', 'query.to']],
    ['from=2026-11-03&to=2026-11-01', ['query.to']],
    ['from=2026-11-01T10:00:00Z&to=2026-11-01T09:59:59Z', ['query.to']],
    ['from=2025-01-01&to=2026-02-05', ['query.to']],
  ])('rejects %s with 422 naming the field', async (query, paths) => {
    for (const path of ['summary', 'timeseries', 'export.csv']) {
      const res = await get(ny, `/api/v1/analytics/${path}?${query}`);
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await res.json()) as { errors: { path: string }[] };
      expect(problem.errors.map((e) => e.path).sort()).toEqual(paths);
    }
  });

  it('accepts 400 days, and refuses an hour series longer than 31 days or an unknown interval', async () => {
    expect((await get(ny, '/api/v1/analytics/summary?from=2025-01-01&to=2026-02-04')).status).toBe(200);
    const long = await get(ny, '/api/v1/analytics/timeseries?from=2026-10-01&to=2026-11-01&interval=hour');
    expect(long.status).toBe(422);
    expect(((await long.json()) as { errors: { path: string }[] }).errors[0]!.path).toBe('query.interval');
    const week = await get(ny, '/api/v1/analytics/timeseries?from=2026-10-01&to=2026-11-01&interval=week');
    expect(week.status).toBe(422);
    expect(((await week.json()) as { errors: { path: string }[] }).errors[0]!.path).toBe('query.interval');
  });

  it('requires a merchant token', async () => {
    for (const path of ['summary', 'timeseries', 'export.csv']) expect((await get(undefined, `/api/v1/analytics/${path}`)).status).toBe(401);
  });

  it('defaults to the last 30 local days, today included', async () => {
    const body = await json(ny, '/api/v1/analytics/timeseries');
    const points = body.points as { at: string }[];
    expect(points).toHaveLength(30);
    expect(new Date(body.to as string).getTime()).toBeGreaterThan(Date.now());
  });

  it('counts events it could not store in /metrics, without failing anyone', async () => {
    // A well-formed event for a tenant that does not exist: the database refuses it.
    expect(() =>
      app.application.analytics.recorder.record({ type: 'widget.opened', tenantId: '00000000-0000-4000-8000-000000000000', occurredAt: new Date() }),
    ).not.toThrow();
    expect(() => app.application.analytics.recorder.record({ type: 'no.such.event' } as unknown as AnalyticsEvent)).not.toThrow();
    await app.application.analytics.recorder.flush();
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/^analytics_events_dropped_total\{reason="rejected"\} 1$/m);
    expect(metrics).toMatch(/^analytics_events_dropped_total\{reason="invalid"\} 1$/m);
    expect(metrics).toMatch(/^analytics_events_dropped_total\{reason="overflow"\} 0$/m);
    expect(metrics).toMatch(/^analytics_events_written_total \d+$/m);
  });

  it('documents the three routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${app.url}/api/openapi.json`)).json()) as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/analytics/summary', '/api/v1/analytics/timeseries', '/api/v1/analytics/export.csv']));
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['AnalyticsSummary', 'AnalyticsTimeseries', 'AnalyticsPoint']));
  });
});
