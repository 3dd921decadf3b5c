import { describe, expect, it } from 'vitest';
import { VisitorTokens } from '../../../core/widget-access/visitor-tokens.ts';

/** Visitor tokens: a verified token is remembered, and what it says never changes because of that. */
describe('visitor tokens', () => {
  const key = Buffer.alloc(32, 7);
  const claims = { tenantId: 't-1', botId: 'b-1', visitorId: 'v_1', conversationId: 'c-1', verified: { customerId: 'cust-1', email: 'a@example.com' } };

  it('answers a token checked before exactly as the first time, and still lets it expire on time', () => {
    let now = new Date('2026-12-05T10:00:00Z');
    const tokens = new VisitorTokens(key, () => now);
    const { token } = tokens.sign(claims, 60);
    const first = tokens.check(token);
    expect(first).toEqual({ ok: true, claims, expired: false });
    expect(tokens.check(token)).toEqual(first);
    now = new Date('2026-12-05T10:01:00Z');
    expect(tokens.check(token)).toEqual({ ok: false, claims, expired: true });
  });

  it('refuses a token changed after a valid one was checked, and one signed with another key', () => {
    const tokens = new VisitorTokens(key);
    const { token } = tokens.sign(claims);
    expect(tokens.check(token).ok).toBe(true);
    const [header, payload, signature] = token.split('.');
    const other = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    other.tid = 't-2';
    const tampered = `${header}.${Buffer.from(JSON.stringify(other)).toString('base64url')}.${signature}`;
    expect(tokens.check(tampered)).toEqual({ ok: false, expired: false });
    expect(tokens.check(`${token.slice(0, -2)}xx`)).toEqual({ ok: false, expired: false });
    expect(tokens.check(new VisitorTokens(Buffer.alloc(32, 8)).sign(claims).token)).toEqual({ ok: false, expired: false });
  });

  it('hands out claims that no request can change for the next one', () => {
    const tokens = new VisitorTokens(key);
    const { token } = tokens.sign(claims);
    const seen = tokens.check(token).claims!;
    expect(() => {
      (seen as { tenantId: string }).tenantId = 't-2';
    }).toThrow(TypeError);
    expect(() => {
      (seen.verified as { customerId: string }).customerId = 'someone-else';
    }).toThrow(TypeError);
    expect(tokens.check(token).claims).toEqual(claims);
  });
});
