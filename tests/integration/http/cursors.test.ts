import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeKeyset } from '../../../core/kernel/cursor.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { createMerchant, type TestMerchant } from '../../helpers/merchant.ts';
import { call, expectProblem } from '../accounts/support.ts';

/** One cursor codec for every list (issue 16): a cursor works only on the list that returned it. */
describe('list cursors', () => {
  let app: TestApp;
  let owner: TestMerchant;

  beforeAll(async () => {
    app = await startTestApp();
    owner = await createMerchant(app.application, { role: 'owner' });
  });
  afterAll(() => app.stop());

  it("refuses a cursor from one list on every other list with a 422 problem on query.cursor, and keeps paging the list it came from", async () => {
    for (const name of ['A', 'B', 'C']) expect((await call(app.url, 'POST', '/api/v1/bots', { token: owner.token, body: { name, allowedOrigins: [] } })).status).toBe(201);
    const first = await call(app.url, 'GET', '/api/v1/bots?limit=2', { token: owner.token });
    const cursor = first.body.nextCursor as string;
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);

    const second = await call(app.url, 'GET', `/api/v1/bots?limit=2&cursor=${cursor}`, { token: owner.token });
    expect(second.status, second.text).toBe(200);
    expect(second.body.items).toHaveLength(1);

    for (const list of ['/api/v1/bookings', '/api/v1/reminders', '/api/v1/audit-log', '/api/v1/conversations', '/api/v1/products', '/api/v1/faq']) {
      const answer = await call(app.url, 'GET', `${list}?cursor=${cursor}`, { token: owner.token });
      expectProblem(answer, 422, 'validation', 'query.cursor');
      expect(answer.body.errors[0].message, list).toMatch(/not a cursor this API returned/);
    }
  });

  it('takes a well-formed cursor of the right list and refuses it on a list of the same shape', async () => {
    const bookings = encodeKeyset('bookings', new Date('2027-03-11T09:00:00Z'), '3f2b8c1e-5a4d-4e6f-9a1b-2c3d4e5f6a7b');
    const ok = await call(app.url, 'GET', `/api/v1/bookings?cursor=${bookings}`, { token: owner.token });
    expect(ok.status, ok.text).toBe(200);
    expectProblem(await call(app.url, 'GET', `/api/v1/reminders?cursor=${bookings}`, { token: owner.token }), 422, 'validation', 'query.cursor');
  });
});
