// The push task's group commit: tasks of one tenant that run at once share one claim
// transaction and one record transaction, yet each still pushes only its own pair, a
// stalled provider call delays only its own record, and tenants never share a flush.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { rowsOf, withTenant } from '../../db/client.ts';
import { insertConnection } from '../../db/connections.ts';
import { sealCredentials } from '../../providers/connectionContext.ts';
import { ProviderError, type Connector, type PushProduct } from '../../providers/types.ts';
import { newTenant, startService, type TestService, type TestTenant } from '../../../test/harness.ts';
import { pushBatcher, pushTask } from './pushTask.ts';

let svc: TestService;
let shopify: Connector;

beforeAll(async () => {
  svc = await startService({ env: { SHOPIFY_CLIENT_ID: 'pt-client', SHOPIFY_CLIENT_SECRET: 'pt-secret-0123456789' } });
  shopify = svc.deps.providers.get('shopify')!;
});
afterAll(async () => {
  await svc?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function tenantWithShop(t: TestTenant): Promise<string> {
  await svc.deps.db.execute(sql`INSERT INTO tenants (id, org_id) VALUES (${t.tenantId}, ${t.orgId}) ON CONFLICT DO NOTHING`);
  const connectionId = `conn_pt${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const row = await insertConnection(svc.deps.db, {
    connectionId,
    tenantId: t.tenantId,
    orgId: t.orgId,
    provider: 'shopify',
    category: 'commerce',
    status: 'ACTIVE',
    account: `${connectionId}.myshopify.com`,
    credentials: sealCredentials(svc.deps, { tenantId: t.tenantId, connectionId }, { accessToken: 'shpat_test' }),
  });
  return row.id;
}

/** Creates and pushes products through the API; nothing works the queue, so each target stays queued. */
async function pushed(t: TestTenant, n: number): Promise<string[]> {
  const headers = await svc.headers(t);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = await svc.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers, payload: { title: `P${i}`, variants: [{ sku: `PT-${randomUUID().slice(0, 8)}`, price: '1.00', currency: 'USD' }] } });
    expect(p.statusCode, p.body).toBe(201);
    const id = (p.json() as { id: string }).id;
    const r = await svc.app.inject({ method: 'POST', url: '/unified/sync/push/product', headers, payload: { productId: id, action: 'UPSERT' } });
    expect(r.statusCode, r.body).toBe(202);
    ids.push(id);
  }
  return ids;
}

const run = (t: TestTenant, productId: string, connectionId: string) =>
  pushTask(svc.deps, { tenantId: t.tenantId, productId, connectionId }, { jobId: randomUUID(), retryCount: 0, signal: new AbortController().signal });

async function targets(t: TestTenant): Promise<{ productId: string; status: string; remoteId: string | null }[]> {
  return withTenant(svc.deps.db, t.tenantId, async (tx) =>
    rowsOf(await tx.execute(sql`SELECT product_id::text AS "productId", status::text AS status, remote_id AS "remoteId" FROM push_targets WHERE tenant_id = ${t.tenantId}::uuid ORDER BY created_at, id`)),
  );
}

const remote = (p: PushProduct) => ({ remoteId: `gid://shopify/Product/${p.variants[0]!.sku}`, variantIds: {} });

describe('push task group commit', () => {
  it("runs one claim and one record flush for a tenant's concurrent tasks, each pushing only its own product", async () => {
    const t = newTenant();
    const conn = await tenantWithShop(t);
    const ids = await pushed(t, 5);
    const seen: string[] = [];
    vi.spyOn(shopify, 'upsertProduct').mockImplementation(async (_ctx, p) => {
      seen.push(p.title);
      return remote(p);
    });
    const batcher = pushBatcher(svc.deps);
    const before = batcher.flushSizes.length;
    await Promise.all(ids.map((id) => run(t, id, conn)));
    // The five claims in one flush, then the five outcomes in another.
    expect(batcher.flushSizes.slice(before)).toEqual([5, 5]);
    expect(seen.sort()).toEqual(['P0', 'P1', 'P2', 'P3', 'P4']);
    const after = await targets(t);
    expect(after.map((x) => x.status)).toEqual(Array(5).fill('succeeded'));
    for (const x of after) expect(x.remoteId).toMatch(/^gid:\/\/shopify\/Product\/PT-/);
  });

  it('records the finished tasks of a tenant while one of its provider calls is still hanging', async () => {
    const t = newTenant();
    const conn = await tenantWithShop(t);
    const [slow, ...fast] = await pushed(t, 3);
    let release: () => void = () => {};
    const hanging = new Promise<void>((r) => (release = r));
    vi.spyOn(shopify, 'upsertProduct').mockImplementation(async (_ctx, p) => {
      if (p.title === 'P0') await hanging;
      return remote(p);
    });
    const slowRun = run(t, slow!, conn);
    await Promise.all(fast.map((id) => run(t, id, conn)));
    const mid = await targets(t);
    expect(mid.filter((x) => x.productId === slow).map((x) => x.status)).toEqual(['running']);
    expect(mid.filter((x) => x.productId !== slow).map((x) => x.status)).toEqual(['succeeded', 'succeeded']);
    release();
    await slowRun;
    expect((await targets(t)).every((x) => x.status === 'succeeded')).toBe(true);
  });

  it('never puts two tenants in one flush (each transaction is scoped to one tenant)', async () => {
    const a = newTenant();
    const b = newTenant();
    const connA = await tenantWithShop(a);
    const connB = await tenantWithShop(b);
    const [pa] = await pushed(a, 1);
    const [pb] = await pushed(b, 1);
    vi.spyOn(shopify, 'upsertProduct').mockImplementation(async (_ctx, p) => remote(p));
    const batcher = pushBatcher(svc.deps);
    const before = batcher.flushSizes.length;
    await Promise.all([run(a, pa!, connA), run(b, pb!, connB)]);
    // A claim and a record per tenant, never one flush with both tenants' items.
    expect(batcher.flushSizes.slice(before)).toEqual([1, 1, 1, 1]);
    expect((await targets(a)).map((x) => x.status)).toEqual(['succeeded']);
    expect((await targets(b)).map((x) => x.status)).toEqual(['succeeded']);
  });

  it('gives a pair that appears twice in one flush to the first task only (one provider call)', async () => {
    const t = newTenant();
    const conn = await tenantWithShop(t);
    const [id] = await pushed(t, 1);
    const upsert = vi.spyOn(shopify, 'upsertProduct').mockImplementation(async (_ctx, p) => remote(p));
    await Promise.all([run(t, id!, conn), run(t, id!, conn)]);
    expect(upsert).toHaveBeenCalledTimes(1);
    expect((await targets(t)).map((x) => x.status)).toEqual(['succeeded']);
  });

  it('queues a retry for a retryable failure inside the same grouped record transaction', async () => {
    const t = newTenant();
    const conn = await tenantWithShop(t);
    const ids = await pushed(t, 2);
    vi.spyOn(shopify, 'upsertProduct').mockImplementation(async (_ctx, p) => {
      if (p.title === 'P0') throw new ProviderError('UNAVAILABLE', 'down', { retryable: true });
      return remote(p);
    });
    // The route's own jobs are still waiting (no worker here); a worker would hold them active,
    // which is what lets the stately queue take the retry beside them.
    await svc.deps.db.execute(sql`DELETE FROM pgboss.job WHERE name = 'push-task' AND data->>'tenantId' = ${t.tenantId}`);
    await Promise.all(ids.map((id) => run(t, id, conn)));
    const after = await targets(t);
    expect(after.find((x) => x.productId === ids[0])?.status).toBe('queued');
    expect(after.find((x) => x.productId === ids[1])?.status).toBe('succeeded');
    // The retry is a delayed push-task job with the pair's singleton key, committed with the record.
    const rows = rowsOf<{ n: number }>(
      await svc.deps.db.execute(sql`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'push-task' AND singleton_key = ${`${ids[0]}:${conn}`} AND start_after > created_on`),
    );
    expect(rows[0]!.n).toBe(1);
  });
});
