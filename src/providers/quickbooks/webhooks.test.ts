import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { faultToError, parseFault } from './http.ts';
import { itemName, parseRemoteId, queryLiteral } from './items.ts';
import { toCredentials } from './oauth.ts';
import { eventName, splitQboWebhook, verifyQboWebhook } from './webhooks.ts';

const TOKEN = 'verifier-token-0123456789';
const sign = (body: string, key = TOKEN) => createHmac('sha256', key).update(body).digest('base64');

describe('QuickBooks webhooks', () => {
  const body = JSON.stringify({
    eventNotifications: [
      { realmId: '123', dataChangeEvent: { entities: [{ name: 'Invoice', id: '9', operation: 'Create', lastUpdated: '2025-01-01T00:00:00.000Z' }, { name: 'Item', id: '3', operation: 'Merge', lastUpdated: 'x', deletedId: '2' }] } },
      { realmId: '456', dataChangeEvent: { entities: [{ name: 'Bill', id: '1', operation: 'Void', lastUpdated: 'y' }] } },
    ],
  });

  it('verifies intuit-signature over the raw bytes, and rejects everything without a verifier token', () => {
    expect(verifyQboWebhook(TOKEN, Buffer.from(body), { 'intuit-signature': sign(body) })).toBe(true);
    expect(verifyQboWebhook(TOKEN, Buffer.from(`${body} `), { 'intuit-signature': sign(body) })).toBe(false);
    expect(verifyQboWebhook(TOKEN, Buffer.from(body), { 'Intuit-Signature': sign(body, 'other') })).toBe(false);
    expect(verifyQboWebhook(TOKEN, Buffer.from(body), {})).toBe(false);
    expect(verifyQboWebhook('', Buffer.from(body), { 'intuit-signature': sign(body, '') })).toBe(false);
  });

  it('splits a legacy delivery into one event per entity change, each with its company and a change-based dedupe key', () => {
    const events = splitQboWebhook(Buffer.from(body));
    expect(events.map((e) => [e.account, e.inbound.event])).toEqual([
      ['123', 'accounting.invoice.created'],
      ['123', 'accounting.item.merged'],
      ['456', 'accounting.bill.voided'],
    ]);
    expect(events[0]!.inbound.providerEventId).toBe('123:Invoice:9:Create:2025-01-01T00:00:00.000Z');
    expect(events[0]!.inbound.data).toEqual({ realmId: '123', entity: 'Invoice', id: '9', operation: 'Create', lastUpdated: '2025-01-01T00:00:00.000Z' });
  });

  it('accepts the CloudEvents array', () => {
    const ce = [{ specversion: '1.0', id: 'e1', source: 'intuit', type: 'qbo.customer.updated.v1', time: 't', intuitaccountid: '77', intuitentityid: '5', data: {} }];
    const [e] = splitQboWebhook(Buffer.from(JSON.stringify(ce)));
    expect(e).toMatchObject({ account: '77', inbound: { event: 'accounting.customer.updated', providerEventId: 'ce:e1' } });
  });

  it('refuses bodies that match neither documented shape', () => {
    for (const bad of ['nope', '{}', '{"eventNotifications":[]}', '{"eventNotifications":[{"realmId":"abc","dataChangeEvent":{"entities":[]}}]}', '[{"specversion":"0.3"}]']) {
      expect(() => splitQboWebhook(Buffer.from(bad)), bad).toThrow(/QuickBooks webhook/);
    }
  });

  it('names operations in the past tense', () => {
    expect(eventName('Invoice', 'Create')).toBe('accounting.invoice.created');
    expect(eventName('Payment', 'Delete')).toBe('accounting.payment.deleted');
    expect(eventName('Estimate', 'Emailed')).toBe('accounting.estimate.emailed');
  });
});

describe('QuickBooks errors, tokens and mapping', () => {
  it('maps Faults to ProviderErrors', () => {
    const validation = parseFault({ Fault: { Error: [{ Message: 'Stale Object Error', code: '5010' }], type: 'ValidationFault' } });
    expect(faultToError(400, validation, 'item update', null)).toMatchObject({ code: 'VALIDATION', retryable: false, fault: { code: '5010' } });
    expect(faultToError(401, parseFault({ fault: { error: [{ message: 'AuthenticationFailed', code: '3200' }], type: 'AUTHENTICATION' } }), 'x', null)).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(faultToError(400, parseFault({ Fault: { Error: [{ code: '3200' }], type: 'AuthenticationFault' } }), 'x', null).code).toBe('UNAUTHORIZED');
    expect(faultToError(429, parseFault({ Fault: { Error: [{ code: '3001' }], type: 'ThrottleExceeded' } }), 'x', '2')).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 2000, retryable: true });
    expect(faultToError(400, parseFault({ Fault: { Error: [{ code: '3001' }], type: 'ThrottleExceeded' } }), 'x', null).code).toBe('RATE_LIMITED');
    expect(faultToError(503, null, 'x', null)).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(faultToError(400, parseFault({ Fault: { Error: [{ code: '610' }], type: 'ValidationFault' } }), 'x', null).code).toBe('NOT_FOUND');
  });

  it('keeps the stored refresh token when a refresh answer has none, and takes the new one when it rotates', () => {
    const prev = { accessToken: 'a', refreshToken: 'r1', refreshExpiresAt: '2030-01-01T00:00:00.000Z' };
    expect(toCredentials({ access_token: 'b', expires_in: 3600 }, 0, prev)).toMatchObject({ accessToken: 'b', refreshToken: 'r1', refreshExpiresAt: prev.refreshExpiresAt, accessExpiresAt: '1970-01-01T01:00:00.000Z' });
    expect(toCredentials({ access_token: 'c', refresh_token: 'r2', x_refresh_token_expires_in: 10 }, 0, prev)).toMatchObject({ refreshToken: 'r2', refreshExpiresAt: '1970-01-01T00:00:10.000Z' });
  });

  it('builds unique, colon-free Item names within 100 characters, and reads remote ids', () => {
    const product = { id: 'p', title: 'Tee: Deluxe', description: null, brand: null, category: null, handle: null, status: 'active' as const, images: [], variants: [] as never[] };
    const v = { sku: 'SKU-1', barcode: null, price: '1.00', currency: 'USD', optionValues: { Size: 'S' }, inventoryQuantity: null };
    expect(itemName(product, v)).toBe('Tee Deluxe (SKU-1)');
    expect(itemName({ ...product, title: 'x'.repeat(300) }, v)).toHaveLength(100);
    expect(itemName({ ...product, title: 'x'.repeat(300) }, v).endsWith('(SKU-1)')).toBe(true);
    expect(parseRemoteId('12,13,bad')).toEqual(['12', '13']);
    expect(queryLiteral("O'Brien\\x")).toBe("'O\\'Brien\\\\x'");
  });
});
