// Saving a connection starts the initial sync: remote products are linked to
// Synq products by SKU (so the first push updates instead of duplicating) and
// recent orders are imported; reconciliation repeats it on a schedule.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.ts';
import { reconcileAll } from '../../src/jobs/tasks/reconcileAll.ts';
import { startShopifyFake, type ShopifyFake } from '../../src/providers/shopify/fake/index.ts';
import { newTenant, startService, type TestService, type TestTenant } from '../harness.ts';
import { connectShop, waitFor } from './flow.ts';

const SHOP = 'existing-store.myshopify.com';
let fake: ShopifyFake;
let svc: TestService;

beforeAll(async () => {
  fake = await startShopifyFake({ clientId: 'sync-client', clientSecret: 'sync-secret-0123456789', autoApprove: true, log: () => {} });
  svc = await startService({
    worker: true,
    env: { SHOPIFY_CLIENT_ID: 'sync-client', SHOPIFY_CLIENT_SECRET: 'sync-secret-0123456789', SYNQ_SHOPIFY_SHOP_URL_TEMPLATE: fake.shopUrlTemplate },
  });
});
afterAll(async () => {
  await svc?.close();
  await fake?.close();
});

async function connectAndSave(t: TestTenant): Promise<{ id: string; connectionId: string }> {
  const { connectionId } = await connectShop(svc, t, SHOP);
  const saved = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/callback', headers: await svc.headers(t), payload: { connection_id: connectionId } });
  expect(saved.statusCode).toBe(201);
  return { id: (saved.json() as { id: string }).id, connectionId };
}

const productBody = { title: 'Canvas Bag', variants: [{ sku: 'BAG-1', price: '25.00', currency: 'USD' }] };

describe('initial sync', () => {
  it('links existing remote products by SKU, imports orders, and the first push updates in place', async () => {
    // The store already has the product (pushed by an earlier installation) and an order.
    const earlier = newTenant();
    await connectAndSave(earlier);
    const p0 = await svc.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers: await svc.headers(earlier), payload: productBody });
    const j0 = await svc.app.inject({ method: 'POST', url: '/unified/sync/push/product', headers: await svc.headers(earlier), payload: { productId: (p0.json() as { id: string }).id, action: 'UPSERT' } });
    await waitFor(async () => {
      const r = await svc.app.inject({ method: 'GET', url: `/unified/sync/jobs/${(j0.json() as { job_id: string }).job_id}`, headers: await svc.headers(earlier) });
      return (r.json() as { status: string }).status === 'succeeded';
    });
    await fake.createOrder(SHOP, { name: '#2001', currency: 'USD', lineItems: [{ sku: 'BAG-1', title: 'Canvas Bag', quantity: 1, price: '25.00' }] });
    expect(fake.shop(SHOP).products).toHaveLength(1);

    // A new tenant with the same SKU connects the same store.
    const t = newTenant();
    const p = await svc.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers: await svc.headers(t), payload: productBody });
    const productId = (p.json() as { id: string }).id;
    const conn = await connectAndSave(t);

    const link = await waitFor(async () => {
      const rows = rowsOf<{ remote_id: string }>(
        await svc.deps.db.execute(sql`SELECT remote_id FROM product_links WHERE product_id = ${productId} AND connection_id = ${conn.id}`),
      );
      return rows[0] ?? null;
    });
    expect(link.remote_id).toMatch(/^gid:\/\/shopify\/Product\//);
    const orders = await waitFor(async () => {
      const r = await svc.app.inject({ method: 'GET', url: '/api/v1/oms/orders', headers: await svc.headers(t) });
      const o = (r.json() as { orders: { name: string | null }[] }).orders;
      return o.length > 0 ? o : null;
    });
    expect(orders.map((o) => o.name)).toContain('#2001');
    const list = await svc.app.inject({ method: 'GET', url: '/api/v1/integrations/connections', headers: await svc.headers(t) });
    expect((list.json() as { connections: { last_synced_at: string | null }[] }).connections[0]!.last_synced_at).not.toBeNull();

    const job = await svc.app.inject({ method: 'POST', url: '/unified/sync/push/product', headers: await svc.headers(t), payload: { productId, action: 'UPSERT' } });
    const done = await waitFor(async () => {
      const r = await svc.app.inject({ method: 'GET', url: `/unified/sync/jobs/${(job.json() as { job_id: string }).job_id}`, headers: await svc.headers(t) });
      const b = r.json() as { status: string; targets: { remote_id: string }[] };
      return b.status === 'succeeded' ? b : null;
    });
    expect(done.targets[0]!.remote_id).toBe(link.remote_id);
    expect(fake.shop(SHOP).products).toHaveLength(1); // updated, not duplicated
  });

  it('reconciliation enqueues one sync per active connection', async () => {
    const before = rowsOf<{ n: number | string }>(await svc.deps.db.execute(sql`SELECT count(*) AS n FROM pgboss.job WHERE name = 'sync-connection'`))[0]!.n;
    await reconcileAll(svc.deps, {}, { jobId: 'test', retryCount: 0, signal: new AbortController().signal });
    const active = rowsOf<{ n: number | string }>(await svc.deps.db.execute(sql`SELECT count(*) AS n FROM connections WHERE status = 'ACTIVE'`))[0]!.n;
    const after = rowsOf<{ n: number | string }>(await svc.deps.db.execute(sql`SELECT count(*) AS n FROM pgboss.job WHERE name = 'sync-connection'`))[0]!.n;
    expect(Number(active)).toBeGreaterThan(0);
    expect(Number(after) - Number(before)).toBeLessThanOrEqual(Number(active));
    expect(Number(after)).toBeGreaterThan(Number(before));
  });
});
