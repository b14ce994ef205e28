// The whole WooCommerce flow through the fake: auth-url → connect page → the store's
// /wc-auth/v1/authorize → the keys POSTed to Synq → the browser's return → save (ACTIVE);
// webhooks registered with a per-connection secret (the creation pings answered 200 and
// stored nowhere); push UPSERT (create, then update) and DELETE; an order webhook reaching
// the outbox and the orders list; dedupe by delivery id; the fake refusing an invalid
// request; and not one request the fake could not validate against the published contract.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionByPublicId } from '../../src/db/connections.ts';
import { openCredentials } from '../../src/providers/connectionContext.ts';
import { startWooCommerceFake, type WooCommerceFake } from '../../src/providers/woocommerce/fake/index.ts';
import { newTenant, startService, type TestService, type TestTenant } from '../harness.ts';
import { outboxRows } from '../webhooks.ts';
import { connectWooStore, pushAndSettle, waitFor } from './flow.ts';
import { haveContracts } from '../contracts.ts';

const HAVE_CONTRACTS = haveContracts('woocommerce');

let fake: WooCommerceFake;
let svc: TestService;

beforeAll(async () => {
  fake = await startWooCommerceFake({ autoApprove: true, allowHttpCallback: true, log: () => {} });
  if (!fake.schemaValidated) console.warn('NOTICE: ../shared/contracts/woocommerce is missing: the WooCommerce fake runs WITHOUT request validation in this run');
  svc = await startService({
    worker: true,
    env: { WOOCOMMERCE_APP_NAME: 'Synq Test', SYNQ_WOOCOMMERCE_ALLOW_HTTP_LOOPBACK: 'true', SYNQ_PUSH_RETRY_BASE_MS: '200' },
  });
});
afterAll(async () => {
  await fake?.idle();
  await svc?.close();
  await fake?.close();
});

async function activeStore(t: TestTenant, store: string) {
  const { connectionId } = await connectWooStore(svc, t, fake.storeUrl(store));
  const saved = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/callback', headers: await svc.headers(t), payload: { connection_id: connectionId, provider: 'woocommerce' } });
  expect(saved.statusCode).toBe(201);
  expect(saved.json()).toMatchObject({ status: 'ACTIVE', provider: 'woocommerce', category: 'commerce' });
  return { connectionId, row: (await connectionByPublicId(svc.deps.db, connectionId))! };
}

async function createProduct(t: TestTenant, body: Record<string, unknown>) {
  const res = await svc.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers: await svc.headers(t), payload: body });
  expect(res.statusCode).toBe(201);
  return res.json() as { id: string };
}

type RemoteProduct = { id: number; name: string; type: string; sku: string; regular_price: string; variations: { sku: string; regular_price: string; attributes: { name: string; option: string }[] }[] };

describe('WooCommerce end to end', () => {
  it('connects through the app key flow, registers signed webhooks and answers their pings without storing them', async () => {
    const t = newTenant();
    const { row } = await activeStore(t, 'connect-demo');
    const creds = openCredentials(svc.deps, row);
    expect(creds.accessToken).toMatch(/^ck_[0-9a-f]{40}$/);
    expect(creds.accessSecret).toMatch(/^cs_[0-9a-f]{40}$/);
    expect(creds.webhookSecret?.length).toBeGreaterThanOrEqual(32);
    expect(row.account).toBe(fake.storeUrl('connect-demo'));

    await fake.idle();
    const hooks = fake.store('connect-demo').webhooks as { topic: string; status: string; delivery_url: string; failure_count: number }[];
    expect(hooks.map((h) => h.topic).sort()).toEqual(['order.created', 'order.updated', 'product.deleted', 'product.updated']);
    for (const h of hooks) {
      expect(h.delivery_url).toBe(`${svc.url}/unified/webhook/woocommerce/${row.connectionId}`);
      expect(h).toMatchObject({ status: 'active', failure_count: 0 });
    }
    expect(row.webhookSubscriptions).toHaveLength(4);
    expect(fake.stats.pings).toBeGreaterThanOrEqual(4);
    expect(await outboxRows(svc, row.id)).toHaveLength(0);
  });

  it.skipIf(!HAVE_CONTRACTS)('pushes UPSERT (create, then update) and DELETE of a variable product', async () => {
    const t = newTenant();
    await activeStore(t, 'push-demo');
    const product = await createProduct(t, {
      title: 'Merino Tee',
      description: 'Soft and warm',
      variants: [
        { sku: 'WTEE-S', price: '39.00', currency: 'USD', option_values: { Size: 'S' }, inventory_quantity: 5 },
        { sku: 'WTEE-M', price: '41.50', currency: 'USD', option_values: { Size: 'M' } },
      ],
    });
    const first = await pushAndSettle(svc, t, product.id, 'UPSERT');
    expect(first.targets[0]).toMatchObject({ provider: 'woocommerce', status: 'succeeded' });
    const remoteId = first.targets[0]!.remote_id!;
    let remote = fake.store('push-demo').products as RemoteProduct[];
    expect(remote).toHaveLength(1);
    expect(remote[0]).toMatchObject({ id: Number(remoteId), name: 'Merino Tee', type: 'variable', sku: 'synq:WTEE-M' });
    expect(remote[0]!.variations.map((v) => [v.sku, v.regular_price, v.attributes[0]?.option]).sort()).toEqual([
      ['WTEE-M', '41.50', 'M'],
      ['WTEE-S', '39.00', 'S'],
    ]);

    await svc.app.inject({ method: 'PATCH', url: `/api/v1/pim/products/${product.id}`, headers: await svc.headers(t), payload: { title: 'Merino Tee v2' } });
    const second = await pushAndSettle(svc, t, product.id, 'UPSERT');
    expect(second.targets[0]).toMatchObject({ status: 'succeeded', remote_id: remoteId });
    remote = fake.store('push-demo').products as RemoteProduct[];
    expect(remote.map((p) => [p.id, p.name])).toEqual([[Number(remoteId), 'Merino Tee v2']]);
    expect(remote[0]!.variations).toHaveLength(2);

    expect((await pushAndSettle(svc, t, product.id, 'DELETE')).targets[0]!.status).toBe('succeeded');
    expect(fake.store('push-demo').products).toHaveLength(0);
  });

  it('pushes a single-variant product as a simple product', async () => {
    const t = newTenant();
    await activeStore(t, 'simple-demo');
    const product = await createProduct(t, { title: 'Gift card', variants: [{ sku: 'WGIFT', price: '25.00', currency: 'USD' }] });
    expect((await pushAndSettle(svc, t, product.id, 'UPSERT')).targets[0]!.status).toBe('succeeded');
    expect(fake.store('simple-demo').products).toMatchObject([{ type: 'simple', sku: 'WGIFT', regular_price: '25.00', variations: [] }]);
  });

  it('takes a signed order webhook into the outbox and the orders list, drops a redelivery by delivery id, and syncs orders', async () => {
    const t = newTenant();
    const { row } = await activeStore(t, 'orders-demo');
    const { order, deliveries } = await fake.createOrder('orders-demo', { lineItems: [{ sku: 'WTEE-S', name: 'Merino Tee', quantity: 2, price: '39.00' }] });
    expect(deliveries.map((d) => d.status)).toEqual([200]);
    const orders = await waitFor(async () => {
      const res = await svc.app.inject({ method: 'GET', url: '/api/v1/oms/orders', headers: await svc.headers(t, 'VIEWER') });
      const o = (res.json() as { orders: { external_id: string; total: string; name: string | null; line_items: { sku: string | null; price: string; quantity: number }[] }[] }).orders;
      return o.length > 0 ? o : null;
    });
    expect(orders[0]).toMatchObject({ external_id: String(order.id), total: '78.00', name: `#${order.id}` });
    expect(orders[0]!.line_items).toEqual([expect.objectContaining({ sku: 'WTEE-S', quantity: 2, price: '39' })]);
    const stored = (await outboxRows(svc, row.id)).filter((r) => r.event === 'order.created');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ source: 'woocommerce', dedupeKey: deliveries[0]!.deliveryId });

    // The same delivery twice (a store retry after a timeout) is stored once.
    const payload = { ...order, status: 'completed', date_modified_gmt: new Date().toISOString().slice(0, 19) };
    const a = await fake.sendWebhook('orders-demo', 'order.updated', payload, { deliveryId: 'delivery-dup-1' });
    const b = await fake.sendWebhook('orders-demo', 'order.updated', payload, { deliveryId: 'delivery-dup-1' });
    expect([...a, ...b].map((d) => d.status)).toEqual([200, 200]);
    expect((await outboxRows(svc, row.id)).filter((r) => r.dedupeKey === 'delivery-dup-1')).toHaveLength(1);

    // listOrders (modified_after) through the connector, as the sync task runs it.
    const connector = svc.deps.providers.get('woocommerce')!;
    const { createConnectionContext } = await import('../../src/providers/connectionContext.ts');
    const page = await connector.listOrders(createConnectionContext(svc.deps, connector, row), new Date(Date.now() - 3600_000).toISOString(), null);
    expect(page.items.map((o) => o.externalId)).toEqual([String(order.id)]);
    expect(page.nextCursor).toBeNull();
  });

  it('answers the unsigned ping 200 without an outbox row, and refuses unsigned or mis-signed events', async () => {
    const t = newTenant();
    const { row } = await activeStore(t, 'ping-demo');
    const url = `/unified/webhook/woocommerce/${row.connectionId}`;
    const ping = await svc.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'webhook_id=42' });
    expect(ping.statusCode).toBe(200);
    expect(ping.json()).toEqual({ status: 'ignored' });
    const body = JSON.stringify({ id: 1, currency: 'USD', total: '1.00', date_modified_gmt: '2024-01-01T00:00:00' });
    const unsigned = await svc.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', 'x-wc-webhook-topic': 'order.created' }, payload: body });
    expect(unsigned.statusCode).toBe(401);
    const wrong = await svc.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', 'x-wc-webhook-topic': 'order.created', 'x-wc-webhook-signature': Buffer.alloc(32, 1).toString('base64') },
      payload: body,
    });
    expect(wrong.statusCode).toBe(401);
    expect(await outboxRows(svc, row.id)).toHaveLength(0);
  });

  it('refuses a forged, replayed or oversized key POST and a denied return', async () => {
    const cb = `${svc.url}/api/v1/integrations/keys/woocommerce/callback`;
    const post = (body: unknown) => fetch(cb, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const good = { key_id: 1, user_id: 'A'.repeat(43), consumer_key: `ck_${'a'.repeat(40)}`, consumer_secret: `cs_${'b'.repeat(40)}`, key_permissions: 'read_write' };
    expect((await post(good)).status).toBe(400); // no such state
    expect((await post({ ...good, key_permissions: 'read' })).status).toBe(400);
    expect((await post({ ...good, consumer_key: '<script>' })).status).toBe(400);
    expect((await post('{"user_id": ')).status).toBe(400);
    expect((await post({ ...good, pad: 'x'.repeat(20_000) })).status).toBe(413);
    const denied = await fetch(`${svc.url}/api/v1/integrations/keys/woocommerce/return?success=0&user_id=${'B'.repeat(43)}`);
    expect(denied.status).toBe(400);
  });

  it('refuses store URLs on private, link-local and metadata addresses at auth-url', async () => {
    const t = newTenant();
    for (const shop of ['https://10.0.0.7', 'https://169.254.169.254', 'https://[fd00::1]', 'http://example.com', 'https://x@127.0.0.1', 'https://metadata.google.internal']) {
      const res = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/auth-url', headers: await svc.headers(t), payload: { provider: 'woocommerce', shop } });
      expect(res.statusCode, shop).toBe(400);
    }
  });

  it.skipIf(!HAVE_CONTRACTS)('the fake rejects a request that does not match the contract, and validated every request of this suite', async () => {
    const t = newTenant();
    const { row } = await activeStore(t, 'contract-demo');
    const creds = openCredentials(svc.deps, row);
    const auth = `Basic ${Buffer.from(`${creds.accessToken}:${creds.accessSecret}`).toString('base64')}`;
    const before = fake.stats.invalidRequests;
    const bad = await fetch(`${fake.storeUrl('contract-demo')}/wp-json/wc/v3/products`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 42, type: 'bundle' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'rest_invalid_param', data: { status: 400, params: { name: expect.any(String), type: expect.any(String) } } });
    const badQuery = await fetch(`${fake.storeUrl('contract-demo')}/wp-json/wc/v3/orders?orderby=nonsense`, { headers: { authorization: auth } });
    expect(badQuery.status).toBe(400);
    const tooMany = await fetch(`${fake.storeUrl('contract-demo')}/wp-json/wc/v3/products/batch`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ delete: Array.from({ length: 101 }, (_, i) => i + 1) }),
    });
    expect(tooMany.status).toBe(413);
    expect(fake.stats.invalidRequests).toBe(before + 2);

    if (fake.schemaValidated) {
      expect(fake.stats.validatedRequests).toBeGreaterThan(20);
      expect(fake.stats.unvalidatedRequests).toBe(0);
    }
    // No key, secret or webhook secret in any log line.
    const logText = svc.logs.join('');
    for (const secret of [creds.accessToken, creds.accessSecret!, creds.webhookSecret!]) expect(logText).not.toContain(secret);
  });
});
