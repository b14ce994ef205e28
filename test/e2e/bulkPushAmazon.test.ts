// Bulk push to Amazon: a batch of more SKUs than Listings Items finishes sooner goes out as one
// JSON_LISTINGS_FEED (document validated by the fake against listings-feed-schema-v2.json, the
// Feeds API's per-operation rates enforced); report issues fail only their product; a batch of a
// few SKUs takes the per-SKU Listings Items path.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf, withTenant } from '../../src/db/client.ts';
import { connectionByPublicId } from '../../src/db/connections.ts';
import { insertProduct, type NewProduct } from '../../src/db/products.ts';
import { chooseAmazonPath } from '../../src/providers/amazon/bulkFeed.ts';
import { amazonFakeEnv, startAmazonFake, type AmazonFake } from '../../src/providers/amazon/fake/index.ts';
import { newTenant, startService, type TestService, type TestTenant } from '../harness.ts';
import { connectAmazonSeller, waitFor } from './flow.ts';

let fake: AmazonFake;
let svc: TestService;
let seq = 0;

beforeAll(async () => {
  fake = await startAmazonFake({ autoApprove: true, feedMessagesPerSecond: 2000, log: () => {} });
  svc = await startService({
    worker: true,
    env: { ...amazonFakeEnv(fake), SYNQ_AMAZON_ISSUE_POLL_MS: '20' },
  });
});
afterAll(async () => {
  await svc?.close();
  await fake?.close();
});

async function activeSeller(t: TestTenant) {
  const sellerId = `ABULK${Date.now().toString(36).toUpperCase()}${++seq}`.slice(0, 20);
  fake.setNextSeller(sellerId);
  const { connectionId } = await connectAmazonSeller(svc, t, sellerId);
  const saved = await svc.app.inject({ method: 'POST', url: '/api/v1/integrations/callback', headers: await svc.headers(t), payload: { connection_id: connectionId, provider: 'amazon' } });
  expect(saved.statusCode).toBe(201);
  const row = await waitFor(async () => {
    const r = await connectionByPublicId(svc.deps.db, connectionId);
    return r?.lastSyncedAt ? r : null;
  });
  return { sellerId, row };
}

const product = (sku: string, title = `Feed product ${sku}`): NewProduct => ({
  title,
  description: null,
  category: null,
  brand: 'Acme',
  handle: null,
  status: 'active',
  images: [],
  variants: [{ sku, barcode: null, price: '9.90', currency: 'USD', optionValues: {}, inventoryQuantity: 4 }],
});

async function pushAll(t: TestTenant, list: NewProduct[]) {
  const ids = await withTenant(svc.deps.db, t.tenantId, async (tx) => {
    const out: string[] = [];
    for (const p of list) out.push((await insertProduct(tx, t, p)).id);
    return out;
  });
  const res = await svc.app.inject({ method: 'POST', url: '/unified/sync/push/products', headers: await svc.headers(t), payload: { productIds: ids, action: 'UPSERT' } });
  expect(res.statusCode).toBe(202);
  const batchId = (res.json() as { batch_id: string }).batch_id;
  return waitFor(async () => {
    const r = await svc.app.inject({ method: 'GET', url: `/unified/sync/batches/${batchId}`, headers: await svc.headers(t) });
    const b = r.json() as { state: string; connections: { counts: Record<string, number> }[] };
    return b.state !== 'queued' && b.state !== 'running' ? b : null;
  }, 60_000);
}

// Listings Items calls, validated or (without ../shared/contracts/amazon) not.
const listingsCalls = () => fake.stats.validatedRequests + fake.stats.unvalidatedRequests;

describe('bulk push (Amazon JSON_LISTINGS_FEED)', () => {
  it('chooses Listings Items for a few SKUs and a feed for many', () => {
    expect(chooseAmazonPath(5)).toBe('listings-items');
    expect(chooseAmazonPath(10)).toBe('listings-items');
    expect(chooseAmazonPath(60)).toBe('feed');
    expect(chooseAmazonPath(10_000)).toBe('feed');
  });

  it('pushes 60 products as one feed; an item Amazon refuses fails alone', async () => {
    const t = newTenant();
    const { sellerId, row } = await activeSeller(t);
    const before = listingsCalls();
    const done = await pushAll(t, [...Array.from({ length: 59 }, (_, i) => product(`AF-${i}`)), product('AF-LONG', 'x'.repeat(250))]);
    expect(done.state).toBe('partial');
    expect(done.connections[0]!.counts).toMatchObject({ succeeded: 59, failed: 1 });
    expect(fake.seller(sellerId).listings).toHaveLength(59);
    // No Listings Items PUT: the feed carried every SKU.
    expect(listingsCalls() - before).toBe(0);
    expect(fake.feedsRateLimited).toBe(0);
    const failed = rowsOf<{ error: string }>(await svc.deps.db.execute(sql`SELECT error FROM push_targets WHERE connection_id = ${row.id} AND status = 'failed'`));
    expect(failed[0]!.error).toMatch(/VALIDATION: Amazon refused the product .*item_name/);
  });

  it('pushes a few products through Listings Items', async () => {
    const t = newTenant();
    const { sellerId } = await activeSeller(t);
    const before = listingsCalls();
    const done = await pushAll(t, Array.from({ length: 3 }, (_, i) => product(`AS-${i}`)));
    expect(done.state).toBe('succeeded');
    expect(fake.seller(sellerId).listings).toHaveLength(3);
    expect(listingsCalls() - before).toBeGreaterThanOrEqual(3);
  });
});
