import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxById } from '../../../db/outbox.ts';
import { orderByExternalId } from '../../../db/orders.ts';
import { connectionById } from '../../../db/connections.ts';
import { processOutboxBatch } from '../../../jobs/outboxRelay.ts';
import { newTenant, startService, type TestService } from '../../../../test/harness.ts';
import { createConnection, outboxRows } from '../../../../test/webhooks.ts';

// The real Shopify connector, configured with a test app secret.
const APP_SECRET = 'shpss_test_app_secret_0123456789abcdef';

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ env: { SHOPIFY_CLIENT_ID: 'test-client-id', SHOPIFY_CLIENT_SECRET: APP_SECRET } });
});
afterAll(async () => {
  await svc?.close();
});

const sign = (body: string, secret = APP_SECRET) => createHmac('sha256', secret).update(body).digest('base64');

function deliver(body: string, opts: { shop: string; topic?: string; webhookId?: string; hmac?: string | null }) {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-shopify-shop-domain': opts.shop,
    'x-shopify-topic': opts.topic ?? 'orders/create',
    'x-shopify-webhook-id': opts.webhookId ?? randomUUID(),
    'x-shopify-api-version': '2025-01',
  };
  if (opts.hmac !== null) headers['x-shopify-hmac-sha256'] = opts.hmac ?? sign(body);
  return svc.app.inject({ method: 'POST', url: '/unified/webhook/shopify', headers, payload: body });
}

const orderPayload = (id: number, over: Record<string, unknown> = {}) =>
  JSON.stringify({
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    name: `#${id}`,
    financial_status: 'paid',
    currency: 'USD',
    total_price: '25.00',
    created_at: '2024-05-01T10:00:00-04:00',
    updated_at: '2024-05-01T10:00:00-04:00',
    line_items: [{ sku: 'S-1', title: 'Sock', quantity: 5, price: '5.00' }],
    ...over,
  });

describe('POST /unified/webhook/shopify', () => {
  it('stores a verified delivery under the normalized event name with the raw body, and processes it into an order', async () => {
    const conn = await createConnection(svc, newTenant(), { account: 'alpha-shop.myshopify.com' });
    const body = `{"id": 1001,  "admin_graphql_api_id":"gid://shopify/Order/1001", "name":"#1001","financial_status":"paid","currency":"USD","total_price":"25.00","created_at":"2024-05-01T10:00:00-04:00","updated_at":"2024-05-01T10:00:00-04:00","line_items":[]}`;
    const res = await deliver(body, { shop: 'alpha-shop.myshopify.com', webhookId: 'wh-1001' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'accepted', event_ids: [expect.stringMatching(/^evt_/)] });
    const [row] = await outboxRows(svc, conn.id);
    expect(row).toMatchObject({ source: 'shopify', event: 'order.created', dedupeKey: 'wh-1001', rawBody: body, status: 'pending' });
    await processOutboxBatch(svc.deps);
    expect((await outboxById(svc.deps.db, row!.id))?.status).toBe('processed');
    expect(await orderByExternalId(svc.deps.db, conn.id, 'gid://shopify/Order/1001')).toMatchObject({ total: '25.00', currency: 'USD' });
  });

  it('drops a redelivery by X-Shopify-Webhook-Id and returns the original event id', async () => {
    const conn = await createConnection(svc, newTenant(), { account: 'beta-shop.myshopify.com' });
    const body = orderPayload(2002);
    const first = await deliver(body, { shop: 'beta-shop.myshopify.com', webhookId: 'wh-2002' });
    const again = await deliver(body, { shop: 'beta-shop.myshopify.com', webhookId: 'wh-2002' });
    expect(again.json()).toEqual(first.json());
    expect(await outboxRows(svc, conn.id)).toHaveLength(1);
  });

  it('fans a delivery out to every ACTIVE connection of the shop, skipping inactive ones', async () => {
    const shop = 'gamma-shop.myshopify.com';
    const a = await createConnection(svc, newTenant(), { account: shop });
    const b = await createConnection(svc, newTenant(), { account: shop });
    const off = await createConnection(svc, newTenant(), { account: shop, status: 'DISCONNECTED' });
    const res = await deliver(orderPayload(3003), { shop });
    expect(res.json().event_ids).toHaveLength(2);
    expect(await outboxRows(svc, a.id)).toHaveLength(1);
    expect(await outboxRows(svc, b.id)).toHaveLength(1);
    expect(await outboxRows(svc, off.id)).toHaveLength(0);
  });

  it('answers 200 "ignored" for a shop without an ACTIVE connection (so Shopify does not retry or drop the subscription)', async () => {
    const res = await deliver(orderPayload(4004), { shop: 'nobody-here.myshopify.com' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ignored' });
  });

  it('rejects a missing, wrong or hex-encoded HMAC with 401 and stores nothing', async () => {
    const shop = 'delta-shop.myshopify.com';
    const conn = await createConnection(svc, newTenant(), { account: shop });
    const body = orderPayload(5005);
    const hex = createHmac('sha256', APP_SECRET).update(body).digest('hex');
    for (const hmac of [null, '', sign(body, 'another-secret'), sign(`${body} `), hex, sign(body).slice(0, 20), 'garbage']) {
      const res = await deliver(body, { shop, hmac });
      expect(res.statusCode, String(hmac)).toBe(401);
      expect(Object.keys(res.json())).toEqual(['error']);
    }
    expect(await outboxRows(svc, conn.id)).toHaveLength(0);
  });

  it('answers 400 for a signed delivery without a valid shop domain, topic or JSON body', async () => {
    const shop = 'epsilon-shop.myshopify.com';
    await createConnection(svc, newTenant(), { account: shop });
    expect((await deliver(orderPayload(6006), { shop: 'evil.example.com' })).statusCode).toBe(400);
    expect((await deliver(orderPayload(6006), { shop, topic: '' })).statusCode).toBe(400);
    expect((await deliver('{not json', { shop })).statusCode).toBe(400);
  });

  it('disconnects the connection on app/uninstalled', async () => {
    const shop = 'zeta-shop.myshopify.com';
    const conn = await createConnection(svc, newTenant(), { account: shop });
    const res = await deliver(JSON.stringify({ id: 1, domain: shop }), { shop, topic: 'app/uninstalled' });
    expect(res.statusCode).toBe(200);
    const [row] = await outboxRows(svc, conn.id);
    expect(row?.event).toBe('app.uninstalled');
    await processOutboxBatch(svc.deps);
    expect((await connectionById(svc.deps.db, conn.id))?.status).toBe('DISCONNECTED');
  });

  it('answers 413 for a body over 10 MB', async () => {
    const res = await svc.app.inject({
      method: 'POST',
      url: '/unified/webhook/shopify',
      headers: { 'content-type': 'application/json' },
      payload: Buffer.alloc(10 * 1024 * 1024 + 1, 0x20),
    });
    expect(res.statusCode).toBe(413);
  });
});
