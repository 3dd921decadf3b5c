import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSmtp, type ParsedMail, type TestSmtp } from '../../fakes/smtp-server.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { call, expectProblem, GOOD_PASSWORD, uniqueEmail } from './support.ts';

/** Team invites through a real SMTP server (the test follows the link), roles, removal, the last owner. */
describe('team', () => {
  let smtp: TestSmtp;
  let app: TestApp;
  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);
  let owner: { email: string; token: string; userId: string; tenantId: string };

  const mailTo = (email: string) =>
    smtp.waitFor((m) => (m.to && !Array.isArray(m.to) ? m.to.value : []).some((a) => a.address === email));
  const inviteToken = (mail: ParsedMail) => {
    const link = /(https?:\/\/\S+\/admin\/accept-invite#token=\S+)/.exec(mail.text ?? '')?.[1];
    expect(link, mail.text).toBeDefined();
    return new URLSearchParams(new URL(link!).hash.slice(1)).get('token')!;
  };
  /** Invite by mail, follow the link, accept: the new member's sign-in answer. */
  const inviteAndJoin = async (role: string, password = GOOD_PASSWORD) => {
    const email = uniqueEmail(role);
    const invited = await call(app.url, 'POST', '/api/v1/team/invites', { token: owner.token, body: { email, role } });
    expect(invited.status, invited.text).toBe(201);
    const token = inviteToken(await mailTo(email));
    const accepted = await call(app.url, 'POST', '/api/v1/auth/invites/accept', { body: { token, password } });
    expect(accepted.status, accepted.text).toBe(200);
    return { email, token: accepted.body.accessToken as string, userId: accepted.body.user.id as string };
  };

  beforeAll(async () => {
    smtp = await startTestSmtp();
    app = await startTestApp({ SMTP_URL: smtp.url }, { clock });
    const email = uniqueEmail('owner');
    const res = await call(app.url, 'POST', '/api/v1/auth/signup', { body: { storeName: 'Atelier Nord', email, password: GOOD_PASSWORD } });
    owner = { email, token: res.body.accessToken, userId: res.body.user.id, tenantId: res.body.tenant.id };
  });
  afterAll(async () => {
    await app.stop();
    await smtp.close();
  });

  it('invites by mail; the link shows the invitation and accepting signs the new agent in', async () => {
    const email = uniqueEmail('agent');
    const invited = await call(app.url, 'POST', '/api/v1/team/invites', { token: owner.token, body: { email, role: 'agent' } });
    expect(invited.status, invited.text).toBe(201);
    expect(invited.body).toMatchObject({ email, role: 'agent', status: 'pending' });
    expect(new Date(invited.body.expiresAt).getTime() - Date.now()).toBeGreaterThan(6.9 * 24 * 3600_000);

    const mail = await mailTo(email);
    expect(mail.subject).toBe('You are invited to join Atelier Nord on Concierge');
    const token = inviteToken(mail);
    expect(mail.subject).not.toContain(token);

    const preview = await call(app.url, 'POST', '/api/v1/auth/invites/preview', { body: { token } });
    expect(preview.body).toMatchObject({ tenant: { id: owner.tenantId, name: 'Atelier Nord' }, email, role: 'agent', existingUser: false });

    expectProblem(await call(app.url, 'POST', '/api/v1/auth/invites/accept', { body: { token, password: 'weakling' } }), 422, 'validation', 'body.password');
    const accepted = await call(app.url, 'POST', '/api/v1/auth/invites/accept', { body: { token, password: GOOD_PASSWORD, name: 'Ada Agent' } });
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.body).toMatchObject({ user: { email, name: 'Ada Agent', role: 'agent' }, tenant: { id: owner.tenantId } });
    const me = await call(app.url, 'GET', '/api/v1/me', { token: accepted.body.accessToken });
    expect(me.body.role).toBe('agent');

    // Used once.
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/invites/accept', { body: { token, password: GOOD_PASSWORD } }), 400, 'invalid-token');
    const members = await call(app.url, 'GET', '/api/v1/team/members', { token: owner.token });
    expect(members.body.items.map((m: { email: string; role: string }) => [m.email, m.role])).toEqual([
      [owner.email, 'owner'],
      [email, 'agent'],
    ]);
    expect((await call(app.url, 'GET', '/api/v1/team/invites', { token: owner.token })).body.items).toEqual([]);
  });

  it('applies the permission matrix: an agent works conversations and bookings, not settings or the team', async () => {
    const agent = await inviteAndJoin('agent');
    expect((await call(app.url, 'GET', '/api/v1/bots', { token: agent.token })).status).toBe(200);
    expectProblem(await call(app.url, 'POST', '/api/v1/bots', { token: agent.token, body: { name: 'X', allowedOrigins: [] } }), 403, 'forbidden');
    expectProblem(await call(app.url, 'POST', '/api/v1/team/invites', { token: agent.token, body: { email: uniqueEmail(), role: 'agent' } }), 403);
    expectProblem(await call(app.url, 'GET', '/api/v1/audit-log', { token: agent.token }), 403);
    expectProblem(await call(app.url, 'GET', '/api/v1/team/members', { token: agent.token }), 403);
    expectProblem(await call(app.url, 'POST', '/api/v1/api-keys', { token: agent.token, body: { name: 'k' } }), 403);

    // Promotion applies at once, to the token the agent already holds.
    const promoted = await call(app.url, 'PATCH', `/api/v1/team/members/${agent.userId}`, { token: owner.token, body: { role: 'admin' } });
    expect(promoted.status, promoted.text).toBe(200);
    expect(promoted.body.role).toBe('admin');
    expect((await call(app.url, 'POST', '/api/v1/bots', { token: agent.token, body: { name: 'By admin', allowedOrigins: [] } })).status).toBe(201);
    expect((await call(app.url, 'GET', '/api/v1/audit-log', { token: agent.token })).status).toBe(200);
    // Admins do not manage the team.
    expectProblem(await call(app.url, 'PATCH', `/api/v1/team/members/${owner.userId}`, { token: agent.token, body: { role: 'agent' } }), 403);

    const audit = await call(app.url, 'GET', '/api/v1/audit-log?action=team.role_changed', { token: owner.token });
    expect(audit.body.items[0]).toMatchObject({ actor: { userId: owner.userId }, subjectUserId: agent.userId, details: { from: 'agent', to: 'admin' } });
    expectProblem(await call(app.url, 'PATCH', `/api/v1/team/members/${agent.userId}`, { token: owner.token, body: { role: 'boss' } }), 422, 'validation', 'body.role');
  });

  it('never lets the last owner be demoted or removed; with a second owner it can', async () => {
    expectProblem(await call(app.url, 'PATCH', `/api/v1/team/members/${owner.userId}`, { token: owner.token, body: { role: 'admin' } }), 409, 'last-owner');
    expectProblem(await call(app.url, 'DELETE', `/api/v1/team/members/${owner.userId}`, { token: owner.token }), 409, 'last-owner');

    const second = await inviteAndJoin('owner');
    // Both owners demote each other at the same moment: one must win, the store keeps an owner.
    const [a, b] = await Promise.all([
      call(app.url, 'PATCH', `/api/v1/team/members/${second.userId}`, { token: owner.token, body: { role: 'admin' } }),
      call(app.url, 'PATCH', `/api/v1/team/members/${owner.userId}`, { token: second.token, body: { role: 'admin' } }),
    ]);
    // The loser is refused either way: 409 when its check saw two owners and lost the race to the
    // last-owner rule, 403 when the winner's demotion reached it first (it is no longer an owner).
    const statuses = [a.status, b.status].sort();
    expect([[200, 403], [200, 409]]).toContainEqual(statuses);
    const owners = (await app.database.db.knex('memberships').where({ tenant_id: owner.tenantId, role: 'owner' })).length;
    expect(owners).toBe(1);
    if (b.status === 200) {
      // The original owner lost: restore for the tests that follow.
      expect((await call(app.url, 'PATCH', `/api/v1/team/members/${owner.userId}`, { token: second.token, body: { role: 'owner' } })).status).toBe(200);
    }
  });

  it('removing a member ends their sessions at once and they can no longer sign in to the store', async () => {
    const agent = await inviteAndJoin('agent');
    const removed = await call(app.url, 'DELETE', `/api/v1/team/members/${agent.userId}`, { token: owner.token });
    expect(removed.status, removed.text).toBe(204);
    expectProblem(await call(app.url, 'GET', '/api/v1/me', { token: agent.token }), 401);
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/login', { body: { email: agent.email, password: GOOD_PASSWORD } }), 403, 'not-a-member');
    expectProblem(await call(app.url, 'DELETE', `/api/v1/team/members/${agent.userId}`, { token: owner.token }), 404);
    const audit = await call(app.url, 'GET', '/api/v1/audit-log?action=team.member_removed', { token: owner.token });
    expect(audit.body.items[0]).toMatchObject({ subjectUserId: agent.userId, details: { role: 'agent', email: agent.email } });
  });

  it('lets someone with an account in another store join with their current password; login can pick the store', async () => {
    const otherEmail = uniqueEmail('elsewhere');
    const other = await call(app.url, 'POST', '/api/v1/auth/signup', { body: { storeName: 'Other Shop', email: otherEmail, password: GOOD_PASSWORD } });
    await call(app.url, 'POST', '/api/v1/team/invites', { token: owner.token, body: { email: otherEmail, role: 'admin' } });
    const token = inviteToken(await mailTo(otherEmail));
    expect((await call(app.url, 'POST', '/api/v1/auth/invites/preview', { body: { token } })).body.existingUser).toBe(true);
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/invites/accept', { body: { token, password: 'Wrong-Password-9' } }), 422, 'validation', 'body.password');
    const joined = await call(app.url, 'POST', '/api/v1/auth/invites/accept', { body: { token, password: GOOD_PASSWORD } });
    expect(joined.status, joined.text).toBe(200);
    expect(joined.body.tenants.map((t: { name: string }) => t.name)).toEqual(['Other Shop', 'Atelier Nord']);

    const first = await call(app.url, 'POST', '/api/v1/auth/login', { body: { email: otherEmail, password: GOOD_PASSWORD } });
    expect(first.body.tenant.id).toBe(other.body.tenant.id);
    const picked = await call(app.url, 'POST', '/api/v1/auth/login', { body: { email: otherEmail, password: GOOD_PASSWORD, tenantId: owner.tenantId } });
    expect(picked.body).toMatchObject({ tenant: { id: owner.tenantId }, user: { role: 'admin' } });
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/invites/accept', { body: { token, password: GOOD_PASSWORD } }), 400, 'invalid-token');
  });

  it('refuses inviting a member, a withdrawn invite, and an invite past its 7 days', async () => {
    expectProblem(await call(app.url, 'POST', '/api/v1/team/invites', { token: owner.token, body: { email: owner.email, role: 'agent' } }), 409, 'already-member', 'body.email');
    expectProblem(await call(app.url, 'POST', '/api/v1/team/invites', { token: owner.token, body: { email: uniqueEmail(), role: 'king' } }), 422, 'validation', 'body.role');

    const withdrawnEmail = uniqueEmail('withdrawn');
    const invite = await call(app.url, 'POST', '/api/v1/team/invites', { token: owner.token, body: { email: withdrawnEmail, role: 'agent' } });
    const withdrawnToken = inviteToken(await mailTo(withdrawnEmail));
    expect((await call(app.url, 'DELETE', `/api/v1/team/invites/${invite.body.id}`, { token: owner.token })).status).toBe(204);
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/invites/accept', { body: { token: withdrawnToken, password: GOOD_PASSWORD } }), 400, 'invalid-token');

    const lateEmail = uniqueEmail('late');
    await call(app.url, 'POST', '/api/v1/team/invites', { token: owner.token, body: { email: lateEmail, role: 'agent' } });
    const lateToken = inviteToken(await mailTo(lateEmail));
    offsetMs += 7 * 24 * 3600_000 + 60_000;
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/invites/preview', { body: { token: lateToken } }), 400, 'invalid-token');
    expectProblem(await call(app.url, 'POST', '/api/v1/auth/invites/accept', { body: { token: lateToken, password: GOOD_PASSWORD } }), 400, 'invalid-token');
    offsetMs = 0;
  });

  it('withdraws the invite and answers 503 when the mail server refuses it', async () => {
    smtp.rejectNext(1, 550);
    const email = uniqueEmail('bounce');
    const res = await call(app.url, 'POST', '/api/v1/team/invites', { token: owner.token, body: { email, role: 'agent' } });
    expectProblem(res, 503, 'mail-failed');
    const open = await call(app.url, 'GET', '/api/v1/team/invites', { token: owner.token });
    expect(open.body.items.map((i: { email: string }) => i.email)).not.toContain(email);
  });
});
