// Amazon orders without a database: the exact-decimal mapping of Orders API answers, the
// connector's getOrder/getOrderItems/getOrders calls through the fake (pagination of orders
// and of items), the fake refusing parameters the Orders API refuses, its usage plans (429 +
// x-amzn-RateLimit-Limit), and every answer it gave checked against the hand-derived schemas.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProviderSettings } from '../../config.ts';
import { compileValidator } from '../../lib/validate.ts';
import type { ConnectionContext } from '../types.ts';
import { createAmazonConnector } from './connector.ts';
import { eventBridgeEnvelope, startAmazonFake, type AmazonFake } from './fake/index.ts';
import { unitPrice } from './orderAmounts.ts';
import { listingStatusNotification, orderChangeNotification } from './fake/notifications.ts';
import { ORDER_STATUS, orderIdOfEvent, toNormalizedOrder } from './orders.ts';
import { GetOrderItemsResponse, GetOrderResponse, GetOrdersResponse, ORDER_STATUSES, ORDERS_RATE_LIMITS, type AmazonOrder } from './ordersModel.ts';
import { SellerBuckets } from './spApi.ts';
import { amazonProvider } from './provider.ts';

let fake: AmazonFake;
const REDIRECT = 'http://127.0.0.1:9/callback';
let sellerSeq = 0;

beforeAll(async () => {
  // Small pages make pagination visible with a handful of orders; the usage plans stay Amazon's.
  fake = await startAmazonFake({ redirectUris: [REDIRECT], orders: { pageSize: 2, itemsPageSize: 2 }, log: () => {} });
});
afterAll(async () => fake?.close());

/** A seller with a valid access token, through the fake's consent page and LWA exchange. */
async function seller(): Promise<{ id: string; token: string; ctx: ConnectionContext }> {
  const id = `AORD${Date.now().toString(36).toUpperCase()}${++sellerSeq}`.slice(0, 20);
  const q = new URLSearchParams({ application_id: fake.appId, state: 's', redirect_uri: REDIRECT });
  const back = await fetch(`${fake.url}/apps/authorize/consent`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...Object.fromEntries(q), selling_partner_id: id, decision: 'approve' }).toString(),
    redirect: 'manual',
  });
  const code = new URL(back.headers.get('location')!).searchParams.get('spapi_oauth_code')!;
  const res = await fetch(`${fake.url}/auth/o2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: fake.clientId, client_secret: fake.clientSecret }).toString(),
  });
  const token = ((await res.json()) as { access_token: string }).access_token;
  const ctx: ConnectionContext = {
    connectionId: `conn_${id}`,
    account: id,
    accessToken: async () => token,
    invalidateToken: async () => token,
    credentials: async () => ({ accessToken: token }),
  };
  return { id, token, ctx };
}

const connector = () =>
  createAmazonConnector(
    loadProviderSettings(amazonProvider, { AMAZON_APP_ID: fake.appId, AMAZON_CLIENT_ID: fake.clientId, AMAZON_CLIENT_SECRET: fake.clientSecret, SYNQ_AMAZON_SP_API_URL: fake.url, SYNQ_AMAZON_LWA_URL: fake.url }),
  );

const get = (token: string, path: string) => fetch(`${fake.url}${path}`, { headers: { 'x-amz-access-token': token } });
const hourAgo = () => new Date(Date.now() - 3600_000).toISOString();

describe('Orders API mapping', () => {
  it('finds the order an ORDER_CHANGE names in the stored body, wrapped by EventBridge or bare', () => {
    const n = orderChangeNotification({ sellerId: 'A2ZPJ4TLUOSWY8', orderId: '902-1111111-2222222' });
    expect(orderIdOfEvent(eventBridgeEnvelope(n))).toBe('902-1111111-2222222');
    expect(orderIdOfEvent(n)).toBe('902-1111111-2222222');
    expect(orderIdOfEvent(listingStatusNotification({ sellerId: 'A2ZPJ4TLUOSWY8', sku: 'S' }))).toBeNull();
    expect(orderIdOfEvent({ NotificationType: 'ORDER_CHANGE', Payload: {} })).toBeNull();
    expect(orderIdOfEvent('902-1111111-2222222')).toBeNull();
  });

  it('divides ItemPrice (the line) by the quantity exactly and keeps decimal strings', () => {
    expect(unitPrice('59.97', 3)).toBe('19.99');
    expect(unitPrice('10', 4)).toBe('2.50');
    expect(unitPrice('0.01', 3)).toBe('0.0033');
    expect(unitPrice('100.00', 1)).toBe('100.00');
    expect(unitPrice('1e3', 2)).toBeNull();
  });

  it('maps every Amazon status, leaves unpriced Pending orders out and falls back to the items for a missing OrderTotal', () => {
    expect(Object.keys(ORDER_STATUS).sort()).toEqual([...ORDER_STATUSES].sort());
    const base: AmazonOrder = { AmazonOrderId: '902-0000001-0000001', PurchaseDate: '2026-11-01T10:00:00Z', LastUpdateDate: '2026-11-02T10:00:00Z', OrderStatus: 'Canceled' };
    const item = { ASIN: 'B0X', OrderItemId: '1', SellerSKU: 'SKU-A', QuantityOrdered: 2, ItemPrice: { CurrencyCode: 'EUR', Amount: '20.10' } };
    expect(toNormalizedOrder({ ...base, OrderStatus: 'Pending' }, [{ ASIN: 'B0X', OrderItemId: '1', QuantityOrdered: 1 }])).toBeNull();
    expect(toNormalizedOrder(base, [item, { ...item, OrderItemId: '2', SellerSKU: '', ItemPrice: { CurrencyCode: 'EUR', Amount: '0.05' } }])).toEqual({
      externalId: base.AmazonOrderId,
      name: base.AmazonOrderId,
      status: 'cancelled',
      currency: 'EUR',
      total: '20.15',
      createdAt: base.PurchaseDate,
      updatedAt: base.LastUpdateDate,
      lineItems: [
        { sku: 'SKU-A', title: 'B0X', quantity: 2, price: '10.05' },
        { sku: null, title: 'B0X', quantity: 2, price: '0.025' },
      ],
    });
  });
});

describe('Orders API usage plans in the connector', () => {
  it('gives getOrders its own bucket: 20 at once, then one a minute', () => {
    const { perSecond, burst } = ORDERS_RATE_LIMITS.getOrders;
    const b = new SellerBuckets(burst, perSecond);
    const t0 = 1_000_000;
    for (let i = 0; i < 20; i++) expect(b.reserve('A1', t0)).toBe(0);
    expect(b.reserve('A1', t0)).toBe(Math.ceil(1000 / 0.0167));
    // getOrder's plan is separate and far more generous.
    const one = new SellerBuckets(ORDERS_RATE_LIMITS.getOrder.burst, ORDERS_RATE_LIMITS.getOrder.perSecond);
    for (let i = 0; i < 30; i++) expect(one.reserve('A1', t0)).toBe(0);
    expect(one.reserve('A1', t0)).toBe(2000);
  });
});

describe('Amazon orders through the fake', () => {
  it('reads one order with getOrder and every getOrderItems page, amounts exact', async () => {
    const s = await seller();
    const placed = fake.orders.put(s.id, {
      items: [
        { sku: 'TEE-S', title: 'Tee S', quantity: 3, unitPrice: '19.99' },
        { sku: 'TEE-M', quantity: 1, unitPrice: '21.50' },
        { sku: 'SOCK', quantity: 2, unitPrice: '0.10' },
      ],
    });
    const order = await connector().fetchOrder!(s.ctx, placed.order.AmazonOrderId);
    expect(order).toMatchObject({
      externalId: placed.order.AmazonOrderId,
      status: 'paid',
      currency: 'USD',
      total: '81.67',
      lineItems: [
        { sku: 'TEE-S', title: 'Tee S', quantity: 3, price: '19.99' },
        { sku: 'TEE-M', title: 'TEE-M', quantity: 1, price: '21.50' },
        { sku: 'SOCK', quantity: 2, price: '0.10' },
      ],
    });
    expect(await connector().fetchOrder!(s.ctx, '999-9999999-9999999')).toBeNull();
    // A Pending order has no amounts yet: not an order Synq can store.
    const pending = fake.orders.put(s.id, { status: 'Pending', items: [{ sku: 'TEE-S', quantity: 1, unitPrice: '19.99' }] });
    expect(await connector().fetchOrder!(s.ctx, pending.order.AmazonOrderId)).toBeNull();
  });

  it('lists orders updated since the cursor, page by page with NextToken', async () => {
    const s = await seller();
    const old = new Date(Date.now() - 3 * 24 * 3600_000).toISOString();
    const since = new Date(Date.now() - 24 * 3600_000).toISOString();
    fake.orders.put(s.id, { lastUpdateDate: old, purchaseDate: old, items: [{ sku: 'OLD', quantity: 1, unitPrice: '1.00' }] });
    const recent = [1, 2, 3, 4, 5].map((n) =>
      fake.orders.put(s.id, { lastUpdateDate: new Date(Date.now() - (10 - n) * 60_000).toISOString(), items: [{ sku: `R${n}`, quantity: n, unitPrice: '2.25' }] }),
    );
    fake.orders.put(s.id, { marketplaceId: 'A1F83G8C2ARO7P', items: [{ sku: 'UK', quantity: 1, unitPrice: '1.00' }] });
    const c = connector();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await c.listOrders(s.ctx, since, cursor);
      seen.push(...page.items.map((o) => o.externalId));
      for (const o of page.items) expect(o.lineItems[0]!.price).toBe('2.25');
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(seen).toEqual(recent.map((r) => r.order.AmazonOrderId));
    expect(pages).toBe(3); // 5 orders, 2 per page
  });

  it('refuses what the Orders API refuses: missing MarketplaceIds, bad dates, unknown NextToken, unknown parameters, bad ids', async () => {
    const s = await seller();
    const before = fake.stats.invalidRequests;
    const bad = [
      `/orders/v0/orders?LastUpdatedAfter=${hourAgo()}`,
      '/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER',
      '/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&LastUpdatedAfter=yesterday',
      '/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&LastUpdatedAfter=2026-13-45T00:00:00Z',
      `/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&LastUpdatedAfter=${new Date(Date.now() + 3600_000).toISOString()}`,
      `/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&LastUpdatedAfter=${hourAgo()}&CreatedAfter=${hourAgo()}`,
      `/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&LastUpdatedAfter=${hourAgo()}&MaxResultsPerPage=101`,
      `/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&LastUpdatedAfter=${hourAgo()}&OrderStatus=Shipped`,
      `/orders/v0/orders?MarketplaceIds=${Array.from({ length: 51 }, (_, i) => `M${i}`).join(',')}&LastUpdatedAfter=${hourAgo()}`,
      '/orders/v0/orders/902-1/orderItems?NextToken=',
    ];
    for (const path of bad) {
      const res = await get(s.token, path);
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('InvalidInput');
    }
    expect(fake.stats.invalidRequests - before).toBe(bad.length);
    // Checked after the schema: a NextToken this fake never issued, or issued to another seller, and a non 3-7-7 order id.
    const other = await seller();
    fake.orders.put(other.id, { items: [{ sku: 'X', quantity: 1, unitPrice: '1.00' }] });
    fake.orders.put(other.id, { items: [{ sku: 'Y', quantity: 1, unitPrice: '1.00' }] });
    fake.orders.put(other.id, { items: [{ sku: 'Z', quantity: 1, unitPrice: '1.00' }] });
    const first = (await (await get(other.token, `/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&LastUpdatedAfter=${hourAgo()}`)).json()) as { payload: { NextToken?: string } };
    expect(first.payload.NextToken).toBeTruthy();
    expect((await get(s.token, `/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&NextToken=${first.payload.NextToken!}`)).status).toBe(400);
    expect((await get(s.token, '/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&NextToken=made-up')).status).toBe(400);
    expect((await get(s.token, '/orders/v0/orders/not-an-order')).status).toBe(400);
    expect((await get('Atza|nope', `/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&LastUpdatedAfter=${hourAgo()}`)).status).toBe(403);
  });

  it('enforces each operation usage plan per seller: 429 with x-amzn-RateLimit-Limit after the burst', async () => {
    const s = await seller();
    const list = `/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&LastUpdatedAfter=${hourAgo()}`;
    // getOrders: burst 20 at 0.0167/s, so the 21st call in a row is throttled whatever the machine's speed.
    for (let i = 0; i < 20; i++) expect((await get(s.token, list)).status).toBe(200);
    const throttled = await get(s.token, list);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('x-amzn-ratelimit-limit')).toBe('0.0167');
    expect(((await throttled.json()) as { errors: { code: string }[] }).errors[0]!.code).toBe('QuotaExceeded');
    // getOrder has its own bucket (burst 30 at 0.5/s): still open, and announces its own rate.
    const placed = fake.orders.put(s.id, { items: [{ sku: 'A', quantity: 1, unitPrice: '1.00' }] });
    const one = await get(s.token, `/orders/v0/orders/${placed.order.AmazonOrderId}`);
    expect(one.status).toBe(200);
    expect(one.headers.get('x-amzn-ratelimit-limit')).toBe('0.5');
    // Another seller is not affected.
    const other = await seller();
    expect((await get(other.token, list)).status).toBe(200);
  });

  it('places orders through the control API for `synq sandbox amazon`, refusing malformed ones', async () => {
    const s = await seller();
    const post = (body: unknown) => fetch(`${fake.url}/_control/sellers/${s.id}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const res = await post({ items: [{ sku: 'TEE-S', quantity: 2, unitPrice: '19.99' }] });
    expect(res.status).toBe(201);
    const created = (await res.json()) as AmazonOrder;
    expect(created.OrderTotal).toEqual({ CurrencyCode: 'USD', Amount: '39.98' });
    expect(await connector().fetchOrder!(s.ctx, created.AmazonOrderId)).toMatchObject({ total: '39.98', lineItems: [{ sku: 'TEE-S', quantity: 2, price: '19.99' }] });
    expect((await post({ items: [{ sku: 'X', quantity: 1, unitPrice: 1.5 }] })).status).toBe(400);
  });

  it("answers inside Synq's Orders API schemas (checked here and counted by the fake)", async () => {
    const s = await seller();
    const placed = fake.orders.put(s.id, { items: [1, 2, 3].map((n) => ({ sku: `S${n}`, quantity: n, unitPrice: '3.33' })) });
    fake.orders.put(s.id, { status: 'Pending', items: [{ sku: 'P', quantity: 1, unitPrice: '5.00' }] });
    const id = placed.order.AmazonOrderId;
    const checks: [string, (v: unknown) => { ok: boolean }][] = [
      [`/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&LastUpdatedAfter=${hourAgo()}`, compileValidator(GetOrdersResponse)],
      [`/orders/v0/orders/${id}`, compileValidator(GetOrderResponse)],
      [`/orders/v0/orders/${id}/orderItems`, compileValidator(GetOrderItemsResponse)],
    ];
    for (const [path, check] of checks) {
      const res = await get(s.token, path);
      expect(res.status, path).toBe(200);
      expect(check(await res.json()), path).toMatchObject({ ok: true });
    }
    expect(fake.stats.invalidResponses).toBe(0);
  });
});
