import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../../core/http/request-log.ts';

describe('URLs in the request log', () => {
  it('hide manage-link tokens and token query parameters', () => {
    expect(redactUrl('/manage/eyJhbGciOi.abc.def/cancel?x=1')).toBe('/manage/[redacted]/cancel?x=1');
    expect(redactUrl('/widget/v1/conversations/1/events?token=secret&lastEventId=4')).toBe('/widget/v1/conversations/1/events?token=[redacted]&lastEventId=4');
    expect(redactUrl('/plugins/shopify/auth/callback?code=abc&shop=x')).toBe('/plugins/shopify/auth/callback?code=[redacted]&shop=x');
    expect(redactUrl('/api/v1/bots?limit=5')).toBe('/api/v1/bots?limit=5');
    // Shopify's app URL carries a session token, which the merchant API also accepts as a bearer.
    expect(redactUrl('/plugins/shopify/install?embedded=1&id_token=eyJ.a.b&shop=x.myshopify.com')).toBe('/plugins/shopify/install?embedded=1&id_token=[redacted]&shop=x.myshopify.com');
  });
});
