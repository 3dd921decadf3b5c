import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  constantTimeEqual,
  coreEventSchema,
  definePlugin,
  hmacSha256,
  isPluginError,
  manifestSchema,
  PLUGIN_ERROR_STATUS,
  PluginError,
  verifyHmacSha256,
} from '@concierge/plugin-sdk';

describe('SDK signature helpers', () => {
  const body = Buffer.from('{"id":1,"title":"Linen Shirt"}');

  it('computes HMAC-SHA256 over the raw bytes in hex, base64 and base64url', () => {
    const mac = createHmac('sha256', 'secret').update(body);
    const digest = mac.digest();
    expect(hmacSha256('secret', body)).toBe(digest.toString('hex'));
    expect(hmacSha256('secret', body, 'base64')).toBe(digest.toString('base64'));
    expect(hmacSha256('secret', body, 'base64url')).toBe(digest.toString('base64url'));
    expect(hmacSha256('secret', body.toString('utf8'), 'hex')).toBe(digest.toString('hex'));
    expect(hmacSha256(Buffer.from('secret'), body)).toBe(digest.toString('hex'));
  });

  it('verifies only the right secret over the exact bytes', () => {
    const signature = hmacSha256('secret', body, 'base64');
    expect(verifyHmacSha256({ secret: 'secret', data: body, signature, encoding: 'base64' })).toBe(true);
    expect(verifyHmacSha256({ secret: 'secret', data: body, signature: ` ${signature} `, encoding: 'base64' })).toBe(true);
    expect(verifyHmacSha256({ secret: 'other', data: body, signature, encoding: 'base64' })).toBe(false);
    expect(verifyHmacSha256({ secret: 'secret', data: Buffer.concat([body, Buffer.from(' ')]), signature, encoding: 'base64' })).toBe(false);
    expect(verifyHmacSha256({ secret: 'secret', data: body, signature: signature.slice(0, -2), encoding: 'base64' })).toBe(false);
    expect(verifyHmacSha256({ secret: 'secret', data: body, signature: hmacSha256('secret', body, 'hex'), encoding: 'base64' })).toBe(false);
  });

  it('compares hex case-insensitively, other encodings exactly', () => {
    const hex = hmacSha256('secret', body, 'hex');
    expect(verifyHmacSha256({ secret: 'secret', data: body, signature: hex.toUpperCase(), encoding: 'hex' })).toBe(true);
    const b64 = hmacSha256('secret', body, 'base64url');
    const flipped = b64.replace(/[a-z]/, (c) => c.toUpperCase());
    expect(flipped).not.toBe(b64);
    expect(verifyHmacSha256({ secret: 'secret', data: body, signature: flipped, encoding: 'base64url' })).toBe(false);
  });

  it('never verifies without a secret or a signature', () => {
    const signature = hmacSha256('', body, 'hex');
    expect(verifyHmacSha256({ secret: '', data: body, signature, encoding: 'hex' })).toBe(false);
    expect(verifyHmacSha256({ secret: undefined, data: body, signature, encoding: 'hex' })).toBe(false);
    expect(verifyHmacSha256({ secret: null, data: body, signature, encoding: 'hex' })).toBe(false);
    expect(verifyHmacSha256({ secret: 'secret', data: body, signature: undefined, encoding: 'hex' })).toBe(false);
    expect(verifyHmacSha256({ secret: 'secret', data: body, signature: '', encoding: 'hex' })).toBe(false);
  });

  it('constantTimeEqual: equal strings and buffers only; empty and missing never', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual(Buffer.from('abc'), 'abc')).toBe(true);
    expect(constantTimeEqual('abc', Buffer.from('abc'))).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(false);
    expect(constantTimeEqual('abc', '')).toBe(false);
    expect(constantTimeEqual('', 'abc')).toBe(false);
    expect(constantTimeEqual(undefined, 'abc')).toBe(false);
    expect(constantTimeEqual('abc', null)).toBe(false);
    expect(constantTimeEqual(null, undefined)).toBe(false);
  });
});

describe('SDK errors, events and manifest', () => {
  it('PluginError keeps code, details and cause; retryable only for UPSTREAM_RETRYABLE', () => {
    const cause = new Error('socket hang up');
    const error = new PluginError('UPSTREAM_RETRYABLE', 'try later', { retryAfterSeconds: 3, cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('PluginError');
    expect(error.message).toBe('try later');
    expect(error.code).toBe('UPSTREAM_RETRYABLE');
    expect(error.details.retryAfterSeconds).toBe(3);
    expect(error.cause).toBe(cause);
    expect(error.retryable).toBe(true);
    expect(new PluginError('UPSTREAM_FAILED', 'no').retryable).toBe(false);
    expect(new PluginError('UPSTREAM_FAILED', 'no').cause).toBeUndefined();
    expect(new PluginError('UPSTREAM_FAILED', 'no').details).toEqual({});
  });

  it('isPluginError checks the class and, when given, the code', () => {
    const error = new PluginError('UPSTREAM_AUTH', 'revoked');
    expect(isPluginError(error)).toBe(true);
    expect(isPluginError(error, 'UPSTREAM_AUTH')).toBe(true);
    expect(isPluginError(error, 'UPSTREAM_FAILED')).toBe(false);
    expect(isPluginError(new Error('x'))).toBe(false);
    expect(isPluginError({ code: 'UPSTREAM_AUTH' })).toBe(false);
  });

  it('maps caller errors to 4xx and upstream trouble to 502/503', () => {
    expect(PLUGIN_ERROR_STATUS.INSTALL_REQUEST_INVALID).toBe(400);
    expect(PLUGIN_ERROR_STATUS.INSTALL_STATE_INVALID).toBe(400);
    expect(PLUGIN_ERROR_STATUS.INSTALL_ACCOUNT_MISSING).toBe(400);
    expect(PLUGIN_ERROR_STATUS.WEBHOOK_SIGNATURE_INVALID).toBe(401);
    expect(PLUGIN_ERROR_STATUS.PLUGIN_NOT_INSTALLED).toBe(404);
    expect(PLUGIN_ERROR_STATUS.UPSTREAM_RETRYABLE).toBe(503);
    expect(PLUGIN_ERROR_STATUS.UPSTREAM_FAILED).toBe(502);
    expect(PLUGIN_ERROR_STATUS.UPSTREAM_AUTH).toBe(502);
    for (const [code, status] of Object.entries(PLUGIN_ERROR_STATUS)) expect(status, code).toBeGreaterThanOrEqual(400);
  });

  it('core events: product events take an ISO time with offset, privacy events their ids', () => {
    const product = { externalId: '1', handle: 'a', title: 'A', description: '', price: { amount: '1.00', currency: 'EUR' } };
    expect(coreEventSchema.safeParse({ type: 'product.upserted', product, occurredAt: '2026-12-04T06:00:00+01:00' }).success).toBe(true);
    expect(coreEventSchema.safeParse({ type: 'product.upserted', product, occurredAt: '2026-12-04T05:00:00Z' }).success).toBe(true);
    expect(coreEventSchema.safeParse({ type: 'product.upserted', product, occurredAt: 'yesterday' }).success).toBe(false);
    expect(coreEventSchema.safeParse({ type: 'product.upserted', product: { ...product, price: { amount: '1,00', currency: 'EUR' } } }).success).toBe(false);
    expect(coreEventSchema.safeParse({ type: 'product.upserted', product: { ...product, price: { amount: '1.00', currency: 'EURO' } } }).success).toBe(false);
    expect(coreEventSchema.safeParse({ type: 'product.deleted', externalId: '' }).success).toBe(false);
    expect(coreEventSchema.safeParse({ type: 'customer.redact', customerId: '7', email: 'a@b.example', orderIds: ['1001'] }).success).toBe(true);
    expect(coreEventSchema.safeParse({ type: 'customer.data_request', email: 'a@b.example', requestId: 'r1' }).success).toBe(true);
    expect(coreEventSchema.safeParse({ type: 'shop.redact' }).success).toBe(true);
    expect(coreEventSchema.safeParse({ type: 'shop.deleted' }).success).toBe(false);
  });

  it('manifests: id, semver version and a core range are required', () => {
    const ok = { id: 'my-shop', name: 'My shop', version: '1.2.3', coreRange: '^0.1.0' };
    expect(manifestSchema.safeParse(ok).success).toBe(true);
    expect(manifestSchema.safeParse({ ...ok, version: '1.2.3-beta.1+build.5' }).success).toBe(true);
    expect(manifestSchema.safeParse({ ...ok, id: 'My_Shop' }).success).toBe(false);
    expect(manifestSchema.safeParse({ ...ok, id: 'x' }).success).toBe(false);
    expect(manifestSchema.safeParse({ ...ok, version: '1.2' }).success).toBe(false);
    expect(manifestSchema.safeParse({ ...ok, coreRange: '' }).success).toBe(false);
    expect(manifestSchema.safeParse({ ...ok, name: '' }).success).toBe(false);
    expect(manifestSchema.safeParse({ ...ok, config: { not: 'a schema' } }).success).toBe(false);
    const plugin = { manifest: ok };
    expect(definePlugin(plugin)).toBe(plugin);
  });
});
