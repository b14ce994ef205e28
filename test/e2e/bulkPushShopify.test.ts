// Bulk push to Shopify through the fake's bulk mutation flow (staged JSONL upload →
// bulkOperationRunMutation → poll → result JSONL), each line's variables checked against the
// Admin schema: a handful of GraphQL calls for the whole batch, per-line userErrors as per-target
// failures, and the initial sync's catalog push taking the same path.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf, withTenant } from '../../src/db/client.ts';
import { connectionByPublicId } from '../../src/db/connections.ts';
import { insertProduct, type NewProduct } from '../../src/db/products.ts';
import { startShopifyFake, type ShopifyFake } from '../../src/providers/shopify/fake/index.ts';
import { newTenant, startService, type TestService, type TestTenant } from '../harness.ts';
import { connectShop, waitFor } from './flow.ts';
import { haveContracts } from '../contracts.ts';

let fake: ShopifyFake;
let svc: TestService;

beforeAll(async () => {
  // 2,000 lines/s: the flow is what is tested here; bench/bulkPush.ts runs the modelled rate.
  fake = await startShopifyFake({ clientId: 'bulk-client', clientSecret: 'bulk-secret-0123456789', autoApprove: true, bulkLinesPerSecond: 2000, log: () => {} });
  svc = await startService({
    worker: true,
    env: { SHOPIFY_CLIENT_ID: 'bulk-client', SHOPIFY_CLIENT_SECRET: 'bulk-secret-0123456789', SYNQ_SHOPIFY_SHOP_URL_TEMPLATE: fake.shopUrlTemplate },
  });
});
afterAll(async () => {
  await svc?.close();
  await fake?.close();
});

async function activeShop(t: TestTenant, shop: string) {
  const { connectionId } = await connectShop(svc, t, shop);
  const saved = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/callback', headers: await svc.headers(t), payload: { connection_id: connectionId } });
  expect(saved.statusCode).toBe(201);
  return waitFor(async () => {
    const row = await connectionByPublicId(svc.deps.db, connectionId);
    return row?.lastSyncedAt ? row : null;
  });
}

const product = (sku: string, extra: Partial<NewProduct> = {}): NewProduct => ({
  title: `Product ${sku}`,
  description: 'Made to last',
  category: null,
  brand: 'Acme',
  handle: null,
  status: 'active',
  images: [],
  variants: [{ sku, barcode: null, price: '12.50', currency: 'USD', optionValues: {}, inventoryQuantity: 3 }],
  ...extra,
});

async function seed(t: TestTenant, list: NewProduct[]): Promise<string[]> {
  return withTenant(svc.deps.db, t.tenantId, async (tx) => {
    const ids: string[] = [];
    for (const p of list) ids.push((await insertProduct(tx, t, p)).id);
    return ids;
  });
}

async function settled(t: TestTenant, batchId: string) {
  return waitFor(async () => {
    const r = await svc.app.inject({ method: 'GET', url: `/unified/sync/batches/${batchId}`, headers: await svc.headers(t) });
    const b = r.json() as { state: string; connections: { counts: Record<string, number> }[] };
    return b.state !== 'queued' && b.state !== 'running' ? b : null;
  }, 60_000);
}

// The fake's bulk mutations exist only in the real Admin schema (its fallback schema has none).
describe.skipIf(!haveContracts('shopify'))('bulk push (Shopify bulk mutation)', () => {
  it('pushes 150 products in one bulk operation, records per-line userErrors per target, and updates in place next time', async () => {
    const t = newTenant();
    const shop = 'bulk-one.myshopify.com';
    const conn = await activeShop(t, shop);
    // Two products asking for one handle: Shopify refuses the second (HANDLE_NOT_UNIQUE).
    const ids = await seed(t, [...Array.from({ length: 148 }, (_, i) => product(`SB-${i}`)), product('DUP-A', { handle: 'same-handle' }), product('DUP-B', { handle: 'same-handle' })]);
    const before = fake.stats.graphqlRequests;
    const res = await svc.app.inject({ method: 'POST', url: '/unified/sync/push/products', headers: await svc.headers(t), payload: { productIds: ids, action: 'UPSERT' } });
    expect(res.statusCode).toBe(202);
    const done = await settled(t, (res.json() as { batch_id: string }).batch_id);
    expect(done.state).toBe('partial');
    expect(done.connections[0]!.counts).toMatchObject({ succeeded: 149, failed: 1 });
    expect(fake.shop(shop).products).toHaveLength(149);
    // Staging, the run, polls and the one-product repair attempt: far fewer calls than products.
    expect(fake.stats.graphqlRequests - before).toBeLessThan(40);
    expect(fake.stats.invalidDocuments).toBe(0);
    expect(fake.bulkRejectedForLimit).toBe(0);
    const failed = rowsOf<{ error: string }>(await svc.deps.db.execute(sql`SELECT error FROM push_targets WHERE connection_id = ${conn.id} AND status = 'failed'`));
    expect(failed[0]!.error).toMatch(/VALIDATION: .*handle/i);

    const again = await svc.app.inject({ method: 'POST', url: '/unified/sync/push/products', headers: await svc.headers(t), payload: { productIds: ids.slice(0, 148), action: 'UPSERT' } });
    expect((await settled(t, (again.json() as { batch_id: string }).batch_id)).state).toBe('succeeded');
    expect(fake.shop(shop).products).toHaveLength(149); // updated by id, not duplicated
  });

  it('initial sync pushes the catalog through a bulk operation', async () => {
    const t = newTenant();
    await seed(t, Array.from({ length: 40 }, (_, i) => product(`SI-${i}`)));
    await activeShop(t, 'bulk-initial.myshopify.com');
    await waitFor(async () => fake.shop('bulk-initial.myshopify.com').products.length === 40, 60_000);
    expect(Object.values(fake.creationsBySku('bulk-initial.myshopify.com')).every((n) => n === 1)).toBe(true);
  });
});
