// Bulk push end to end through the WooCommerce fake (which validates every request against the
// published contract and answers 413 above 100 batch objects): POST /unified/sync/push/products
// → one push-bulk job per connection → products/batch calls → per-target outcomes, links, and
// GET /unified/sync/batches/:id; partial failures, a retried chunk, the lease that keeps the
// per-product push task off targets a bulk task holds, and the initial sync's catalog push.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf, withTenant } from '../../src/db/client.ts';
import { connectionByPublicId } from '../../src/db/connections.ts';
import { insertProduct, type NewProduct } from '../../src/db/products.ts';
import { claimDrainTargets, queuePushes } from '../../src/db/push.ts';
import { claimBulkTargets, createBatch, waitingSinglePushes } from '../../src/db/pushBatches.ts';
import { startWooCommerceFake, type WooCommerceFake } from '../../src/providers/woocommerce/fake/index.ts';
import { newTenant, startService, type TestService, type TestTenant } from '../harness.ts';
import { connectWooStore, waitFor } from './flow.ts';

let fake: WooCommerceFake;
let svc: TestService;

beforeAll(async () => {
  fake = await startWooCommerceFake({ autoApprove: true, allowHttpCallback: true, log: () => {} });
  svc = await startService({
    worker: true,
    env: { WOOCOMMERCE_APP_NAME: 'Synq Test', SYNQ_WOOCOMMERCE_ALLOW_HTTP_LOOPBACK: 'true', SYNQ_PUSH_RETRY_BASE_MS: '100', SYNQ_PUSH_RETRY_CAP_MS: '300' },
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
  // The initial sync's own requests (products, orders) must not mix with what a test counts.
  return waitFor(async () => {
    const row = await connectionByPublicId(svc.deps.db, connectionId);
    return row?.lastSyncedAt ? row : null;
  });
}

const simple = (sku: string, extra: Partial<NewProduct> = {}): NewProduct => ({
  title: `Product ${sku}`,
  description: null,
  category: null,
  brand: null,
  handle: null,
  status: 'active',
  images: [],
  variants: [{ sku, barcode: null, price: '10.00', currency: 'USD', optionValues: {}, inventoryQuantity: null }],
  ...extra,
});

async function seed(t: TestTenant, list: NewProduct[]): Promise<string[]> {
  return withTenant(svc.deps.db, t.tenantId, async (tx) => {
    const ids: string[] = [];
    for (const p of list) ids.push((await insertProduct(tx, t, p)).id);
    return ids;
  });
}

interface BatchBody {
  state: string;
  product_count: number;
  connections: { provider: string; state: string; counts: Record<string, number> }[];
}

async function settled(t: TestTenant, batchId: string): Promise<BatchBody> {
  return waitFor(async () => {
    const r = await svc.app.inject({ method: 'GET', url: `/unified/sync/batches/${batchId}`, headers: await svc.headers(t) });
    expect(r.statusCode).toBe(200);
    const b = r.json() as BatchBody;
    return b.state !== 'queued' && b.state !== 'running' ? b : null;
  }, 60_000);
}

async function push(t: TestTenant, payload: Record<string, unknown>) {
  return svc.app.inject({ method: 'POST', url: '/unified/sync/push/products', headers: await svc.headers(t), payload });
}

describe('bulk push (WooCommerce products/batch)', () => {
  it('pushes 250 products in batch calls of at most 100, links them, and updates in place on the next batch', async () => {
    const t = newTenant();
    const conn = await activeStore(t, 'bulk-main');
    const ids = await seed(t, Array.from({ length: 250 }, (_, i) => simple(`BULK-${i}`)));
    // Without ../shared the fake runs unvalidated (same 413 limit): count calls either way.
    const calls = () => fake.stats.validatedRequests + fake.stats.unvalidatedRequests;
    const before = calls();
    const res = await push(t, { productIds: ids, action: 'UPSERT' });
    expect(res.statusCode).toBe(202);
    const { batch_id } = res.json() as { batch_id: string };
    const done = await settled(t, batch_id);
    expect(done).toMatchObject({ state: 'succeeded', product_count: 250 });
    expect(done.connections[0]!.counts).toMatchObject({ succeeded: 250, failed: 0, dead: 0 });
    expect(fake.store('bulk-main').products).toHaveLength(250);
    // 3 batch calls (100 + 100 + 50): nothing was sent one product at a time.
    expect(calls() - before).toBe(3);
    expect(fake.stats.invalidRequests).toBe(0);
    const links = rowsOf<{ n: number }>(await svc.deps.db.execute(sql`SELECT count(*)::int AS n FROM product_links WHERE connection_id = ${conn.id}`));
    expect(Number(links[0]!.n)).toBe(250);

    const again = await push(t, { all: true, action: 'UPSERT' });
    expect(again.statusCode).toBe(202);
    expect((await settled(t, (again.json() as { batch_id: string }).batch_id)).state).toBe('succeeded');
    expect(fake.store('bulk-main').products).toHaveLength(250); // updated, not duplicated
  });

  it('records per-item failures per target (partial) and retries a chunk the store failed as a whole', async () => {
    const t = newTenant();
    await activeStore(t, 'bulk-partial');
    // Two products with one barcode: the store refuses the second (duplicated global_unique_id).
    const ids = await seed(t, [simple('P-1', { title: 'first' }), ...[2, 3].map((i) => simple(`P-${i}`, { variants: [{ sku: `P-${i}`, barcode: '4006381333931', price: '5.00', currency: 'USD', optionValues: {}, inventoryQuantity: null }] }))]);
    fake.injectFailure({ kind: 'http500', count: 1, store: 'bulk-partial' });
    const res = await push(t, { productIds: ids, action: 'UPSERT' });
    const done = await settled(t, (res.json() as { batch_id: string }).batch_id);
    expect(done.state).toBe('partial');
    expect(done.connections[0]!.counts).toMatchObject({ succeeded: 2, failed: 1 });
    const rows = rowsOf<{ status: string; attempts: number; error: string | null }>(
      await svc.deps.db.execute(sql`SELECT status, attempts, error FROM push_targets WHERE tenant_id = ${t.tenantId} ORDER BY status`),
    );
    // The 500 failed the first call as a whole: every target went out a second time.
    expect(rows.every((r) => r.attempts === 2)).toBe(true);
    expect(rows.find((r) => r.status === 'failed')!.error).toMatch(/VALIDATION: WooCommerce refused the product/);
  });

  it('adopts a product an earlier attempt created but never recorded (duplicate SKU → look up and update)', async () => {
    const t = newTenant();
    const conn = await activeStore(t, 'bulk-adopt');
    const [id] = await seed(t, [simple('ADOPT-1')]);
    // First push links it; then the link is lost, as if the worker died before recording.
    expect((await settled(t, ((await push(t, { productIds: [id], action: 'UPSERT' })).json() as { batch_id: string }).batch_id)).state).toBe('succeeded');
    await svc.deps.db.execute(sql`DELETE FROM product_links WHERE connection_id = ${conn.id}`);
    expect((await settled(t, ((await push(t, { productIds: [id], action: 'UPSERT' })).json() as { batch_id: string }).batch_id)).state).toBe('succeeded');
    expect(fake.store('bulk-adopt').products).toHaveLength(1);
  });

  it('leases claimed targets: the per-product push task does not take a target a bulk task holds', async () => {
    const t = newTenant();
    const conn = await activeStore(t, 'bulk-lease');
    const [id] = await seed(t, [simple('LEASE-1')]);
    await withTenant(svc.deps.db, t.tenantId, (tx) => createBatch(tx, t, { action: 'UPSERT', origin: 'api', productIds: [id!], connectionIds: [conn.id] }));
    const held = await withTenant(svc.deps.db, t.tenantId, (tx) => claimBulkTargets(tx, conn.id, 10, 60));
    expect(held).toHaveLength(1);
    // A single-product push of the same pair arriving now waits for the bulk call, and is handed over after it.
    await withTenant(svc.deps.db, t.tenantId, (tx) => queuePushes(tx, t, [{ productId: id!, action: 'DELETE' }]));
    expect(await withTenant(svc.deps.db, t.tenantId, (tx) => claimDrainTargets(tx, conn.id, 'single', 10, 60))).toHaveLength(0);
    expect(await withTenant(svc.deps.db, t.tenantId, (tx) => waitingSinglePushes(tx, conn.id, [id!]))).toEqual([id]);
    expect(await withTenant(svc.deps.db, t.tenantId, (tx) => claimBulkTargets(tx, conn.id, 10, 60))).toHaveLength(0);
    // Lease over (the bulk task died): the single-product push takes both targets, newest action first.
    await svc.deps.db.execute(sql`UPDATE push_targets SET leased_until = now() - interval '1 second' WHERE id = ${held[0]!.id}`);
    expect(await withTenant(svc.deps.db, t.tenantId, (tx) => claimDrainTargets(tx, conn.id, 'single', 10, 60))).toHaveLength(2);
  });

  it('pushes the catalog through the bulk path when a connection is saved (initial sync)', async () => {
    const t = newTenant();
    await seed(t, Array.from({ length: 120 }, (_, i) => simple(`INIT-${i}`)));
    await activeStore(t, 'bulk-initial');
    await waitFor(async () => fake.store('bulk-initial').products.length === 120, 60_000);
    const batches = rowsOf<{ origin: string; product_count: number }>(await svc.deps.db.execute(sql`SELECT origin, product_count FROM push_batches WHERE tenant_id = ${t.tenantId}`));
    expect(batches).toEqual([{ origin: 'initial-sync', product_count: 120 }]);
  });

  it('refuses DELETE, unknown or foreign products, more than 10,000 ids, and other tenants’ batches', async () => {
    const t = newTenant();
    const other = newTenant();
    const [id] = await seed(t, [simple('REF-1')]);
    const [foreign] = await seed(other, [simple('REF-2')]);
    expect((await push(t, { productIds: [id], action: 'DELETE' })).statusCode).toBe(400);
    expect((await push(t, { productIds: [foreign], action: 'UPSERT' })).statusCode).toBe(404);
    expect((await push(t, { productIds: Array.from({ length: 10_001 }, () => id), action: 'UPSERT' })).statusCode).toBe(400);
    expect((await push(t, { productIds: [id], all: true, action: 'UPSERT' })).statusCode).toBe(400);
    const ok = await push(t, { productIds: [id], action: 'UPSERT' });
    expect(ok.statusCode).toBe(202);
    const batchId = (ok.json() as { batch_id: string }).batch_id;
    const asOther = await svc.app.inject({ method: 'GET', url: `/unified/sync/batches/${batchId}`, headers: await svc.headers(other) });
    expect(asOther.statusCode).toBe(404);
    expect(asOther.json()).toEqual({ error: expect.any(String) });
    const noToken = await svc.app.inject({ method: 'GET', url: `/unified/sync/batches/${batchId}` });
    expect(noToken.statusCode).toBe(401);
    // No connection: the batch has nothing to do.
    expect((await settled(t, batchId)).state).toBe('succeeded');
  });
});
