// Amazon orders end to end, through the fake: an ORDER_CHANGE notification forwarded with the
// connection's secret becomes an outbox event, the worker reads the order from the Orders API
// (getOrder + every getOrderItems page) outside the outbox transaction and the order appears
// in GET /api/v1/oms/orders with its amounts and items; later changes update it; a Pending
// order waits for its amounts. Reconciliation imports the orders updated since the
// connection's cursor, page by page (NextToken), and moves the cursor on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionByPublicId, touchSynced } from '../../src/db/connections.ts';
import { startAmazonFake, type AmazonFake } from '../../src/providers/amazon/fake/index.ts';
import { orderChangeNotification } from '../../src/providers/amazon/fake/notifications.ts';
import { openCredentials } from '../../src/providers/connectionContext.ts';
import { newTenant, startService, type TestService, type TestTenant } from '../harness.ts';
import { outboxRows } from '../webhooks.ts';
import { activeAmazonSeller, amazonFakeEnv, waitFor } from './flow.ts';

let fake: AmazonFake;
let svc: TestService;
let seq = 0;

beforeAll(async () => {
  // Pages of 2 orders and 2 items make both paginations happen with a few orders.
  fake = await startAmazonFake({ autoApprove: true, orders: { pageSize: 2, itemsPageSize: 2 }, log: () => {} });
  svc = await startService({ worker: true, env: amazonFakeEnv(fake) });
});
afterAll(async () => {
  await svc?.close();
  await fake?.close();
});

async function activeSeller(t: TestTenant) {
  const sellerId = `AORD${Date.now().toString(36).toUpperCase()}${++seq}`.slice(0, 20);
  // The initial sync (listings, then orders) is done before the test places any order.
  const { connectionId, row } = await activeAmazonSeller(svc, fake, t, sellerId);
  return { connectionId, sellerId, row, secret: openCredentials(svc.deps, row).webhookSecret! };
}

type OrderJson = { external_id: string; connection_id: string; status: string; currency: string; total: string; name: string | null; line_items: { sku: string | null; title: string; quantity: number; price: string }[]; external_updated_at: string };

async function orders(t: TestTenant): Promise<OrderJson[]> {
  const res = await svc.app.inject({ method: 'GET', url: '/api/v1/oms/orders?limit=200', headers: await svc.headers(t) });
  expect(res.statusCode).toBe(200);
  return (res.json() as { orders: OrderJson[] }).orders;
}

const orderWhere = (t: TestTenant, id: string, ok: (o: OrderJson) => boolean = () => true, timeoutMs = 30_000) =>
  waitFor(async () => (await orders(t)).find((o) => o.external_id === id && ok(o)), timeoutMs);

describe('Amazon orders', () => {
  it('an ORDER_CHANGE forwarded with the connection secret ends with the order, its amounts and items, in the orders list', async () => {
    const t = newTenant();
    const { connectionId, sellerId, secret, row: conn } = await activeSeller(t);
    const placed = fake.orders.put(sellerId, {
      items: [
        { sku: 'AZ-TEE-S', title: 'Tee S', quantity: 3, unitPrice: '19.99' },
        { sku: 'AZ-TEE-M', title: 'Tee M', quantity: 1, unitPrice: '21.50' },
        { sku: 'AZ-SOCK', title: 'Sock', quantity: 2, unitPrice: '4.05' },
      ],
    });
    const id = placed.order.AmazonOrderId;
    const url = `${svc.url}/unified/webhook/amazon/${connectionId}`;
    const notify = (notificationId: string, status: string, s = secret) => fake.forwardNotification(url, s, orderChangeNotification({ sellerId, orderId: id, notificationId, status, applicationId: fake.appId }));

    // Without the secret nothing gets in, and nothing is read from Amazon.
    expect((await notify(`n-${id}-0`, 'Unshipped', `${secret.slice(0, -1)}x`)).status).toBe(401);
    expect((await notify(`n-${id}-1`, 'Unshipped')).status).toBe(200);
    const stored = await orderWhere(t, id);
    expect(stored).toMatchObject({
      connection_id: connectionId,
      name: id,
      status: 'paid',
      currency: 'USD',
      total: '89.57',
      line_items: [
        { sku: 'AZ-TEE-S', title: 'Tee S', quantity: 3, price: '19.99' },
        { sku: 'AZ-TEE-M', title: 'Tee M', quantity: 1, price: '21.50' },
        { sku: 'AZ-SOCK', title: 'Sock', quantity: 2, price: '4.05' },
      ],
    });
    const event = (await outboxRows(svc, conn.id)).find((r) => r.dedupeKey === `n-${id}-1`);
    expect(event).toMatchObject({ source: 'amazon', event: 'order.updated', status: 'processed' });

    // Shipped at Amazon later: the next notification updates the same order.
    fake.orders.update(sellerId, id, 'Shipped', new Date(Date.now() + 1000).toISOString());
    expect((await notify(`n-${id}-2`, 'Shipped')).status).toBe(200);
    await orderWhere(t, id, (o) => o.status === 'shipped');
    expect((await orders(t)).filter((o) => o.external_id === id)).toHaveLength(1);
    expect(fake.stats.invalidResponses).toBe(0);
  });

  it('a Pending order waits for its amounts; an order Amazon does not know stores nothing', async () => {
    const t = newTenant();
    const { connectionId, sellerId, secret, row: conn } = await activeSeller(t);
    const url = `${svc.url}/unified/webhook/amazon/${connectionId}`;
    const pending = fake.orders.put(sellerId, { status: 'Pending', items: [{ sku: 'AZ-P', quantity: 2, unitPrice: '7.25' }] });
    const id = pending.order.AmazonOrderId;
    const send = (n: string, orderId: string, status: string) => fake.forwardNotification(url, secret, orderChangeNotification({ sellerId, orderId, notificationId: n, status }));
    expect((await send(`p-${id}-1`, id, 'Pending')).status).toBe(200);
    expect((await send(`p-${id}-x`, '999-0000000-0000000', 'Shipped')).status).toBe(200);
    // Both events are applied (their reads queued) and the reads ran: nothing to store yet.
    await waitFor(async () => (await outboxRows(svc, conn.id)).filter((r) => r.dedupeKey.startsWith(`p-${id}`) && r.status === 'processed').length === 2);
    const settled = await waitFor(async () => {
      const jobs = await svc.deps.queue.boss.findJobs('order-import', { data: { connectionId: conn.id } });
      return jobs.length >= 2 && jobs.every((j) => j.state === 'completed') ? jobs : null;
    });
    expect(settled.map((j) => (j.data as { externalId: string }).externalId).sort()).toEqual(['999-0000000-0000000', id].sort());
    expect(await orders(t)).toEqual([]);

    // Payment authorized: Amazon adds the amounts and says so.
    fake.orders.bySeller.get(sellerId)!.delete(id);
    fake.orders.put(sellerId, { orderId: id, status: 'Unshipped', items: [{ sku: 'AZ-P', quantity: 2, unitPrice: '7.25' }] });
    expect((await send(`p-${id}-2`, id, 'Unshipped')).status).toBe(200);
    expect(await orderWhere(t, id)).toMatchObject({ status: 'paid', total: '14.50', line_items: [{ sku: 'AZ-P', quantity: 2, price: '7.25' }] });
  });

  it('a throttled or failing Orders API is retried: the order still arrives', { timeout: 120_000 }, async () => {
    const t = newTenant();
    const { connectionId, sellerId, secret } = await activeSeller(t);
    const placed = fake.orders.put(sellerId, { items: [{ sku: 'AZ-RETRY', quantity: 4, unitPrice: '2.50' }] });
    const id = placed.order.AmazonOrderId;
    const rateLimitedBefore = fake.stats.rateLimited;
    fake.injectFailure({ kind: 'http429', count: 1, seller: sellerId });
    fake.injectFailure({ kind: 'http503', count: 1, seller: sellerId });
    const url = `${svc.url}/unified/webhook/amazon/${connectionId}`;
    expect((await fake.forwardNotification(url, secret, orderChangeNotification({ sellerId, orderId: id, notificationId: `r-${id}` }))).status).toBe(200);
    // Two failed attempts first: pg-boss retries after about 2 s, then 4 s (more on a loaded machine).
    expect(await orderWhere(t, id, undefined, 90_000)).toMatchObject({ total: '10.00', line_items: [{ sku: 'AZ-RETRY', quantity: 4, price: '2.50' }] });
    expect(fake.stats.rateLimited - rateLimitedBefore).toBe(1);
  });

  it('reconciliation imports the orders updated since the cursor, every getOrders page, and moves the cursor on', async () => {
    const t = newTenant();
    const { sellerId, row } = await activeSeller(t);
    const cursor = new Date(Date.now() - 6 * 3600_000);
    await touchSynced(svc.deps.db, row.id, { ...row.syncCursor, ordersUpdatedSince: cursor.toISOString() });
    const at = (minutesAfterCursor: number) => new Date(cursor.getTime() + minutesAfterCursor * 60_000).toISOString();
    const before = fake.orders.put(sellerId, { lastUpdateDate: new Date(cursor.getTime() - 60_000).toISOString(), items: [{ sku: 'OLD', quantity: 1, unitPrice: '1.00' }] });
    const after = [1, 2, 3, 4, 5].map((n) =>
      fake.orders.put(sellerId, { lastUpdateDate: at(n * 10), items: [{ sku: `AZ-R${n}`, quantity: n, unitPrice: '3.10' }, { sku: `AZ-R${n}-B`, quantity: 1, unitPrice: '0.90' }, { sku: `AZ-R${n}-C`, quantity: 1, unitPrice: '0.05' }] }),
    );
    fake.orders.put(sellerId, { status: 'Pending', lastUpdateDate: at(70), items: [{ sku: 'PENDING', quantity: 1, unitPrice: '9.00' }] });

    await svc.deps.queue.send(svc.deps.db, 'sync-connection', { connectionId: row.id, initial: false }, { singletonKey: row.id });
    const list = await waitFor(async () => {
      const all = await orders(t);
      return all.length >= after.length ? all : null;
    }, 30_000);
    expect(list.map((o) => o.external_id).sort()).toEqual(after.map((a) => a.order.AmazonOrderId).sort());
    expect(list.some((o) => o.external_id === before.order.AmazonOrderId)).toBe(false);
    const third = list.find((o) => o.external_id === after[2]!.order.AmazonOrderId)!;
    expect(third).toMatchObject({ total: '10.25', currency: 'USD', status: 'paid' });
    expect(third.line_items).toEqual([
      { sku: 'AZ-R3', title: 'AZ-R3', quantity: 3, price: '3.10' },
      { sku: 'AZ-R3-B', title: 'AZ-R3-B', quantity: 1, price: '0.90' },
      { sku: 'AZ-R3-C', title: 'AZ-R3-C', quantity: 1, price: '0.05' },
    ]);
    // The cursor is the newest stored order's LastUpdateDate (the Pending one is not stored).
    const synced = await waitFor(async () => {
      const c = await connectionByPublicId(svc.deps.db, row.connectionId);
      return c?.syncCursor.ordersUpdatedSince === at(50) ? c : null;
    });
    expect(synced.syncCursor.ordersUpdatedSince).toBe(at(50));
    expect(fake.stats.invalidResponses).toBe(0);
  });
});
