// The push task drains one connection's queued pushes: it claims products in chunks under a
// lease, pushes each product's latest state once however many pushes of it are queued, records
// outcomes as they come back (a stalled call delays only its own record), leaves a product that
// another holder leases alone, and schedules its next pass when a retry's backoff ends.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { rowsOf, withTenant } from '../../db/client.ts';
import { ProviderError, type Connector, type PushProduct } from '../../providers/types.ts';
import { insertShopifyConnection, newTenant, startService, type TestService, type TestTenant } from '../../../test/harness.ts';
import { CHUNK, pushRecorder, pushTask } from './pushTask.ts';

let svc: TestService;
let shopify: Connector;

beforeAll(async () => {
  svc = await startService({ env: { SHOPIFY_CLIENT_ID: 'pt-client', SHOPIFY_CLIENT_SECRET: 'pt-secret-0123456789' } });
  shopify = svc.deps.providers.get('shopify')!;
});
afterAll(async () => {
  await svc?.close();
});
// Most cases below are about the one-call-per-product path (as for Amazon); Shopify's
// upsertMany is taken away for them, and the last case puts it back.
let upsertMany: Connector['upsertMany'];
beforeEach(() => {
  upsertMany = shopify.upsertMany;
  (shopify as { upsertMany?: Connector['upsertMany'] }).upsertMany = undefined;
});
afterEach(() => {
  (shopify as { upsertMany?: Connector['upsertMany'] }).upsertMany = upsertMany;
  vi.restoreAllMocks();
});

const tenantWithShop = (t: TestTenant) => insertShopifyConnection(svc, t);

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

const run = (t: TestTenant, connectionId: string) =>
  pushTask(svc.deps, { tenantId: t.tenantId, connectionId }, { jobId: randomUUID(), retryCount: 0, signal: new AbortController().signal });

async function targets(t: TestTenant): Promise<{ productId: string; status: string; remoteId: string | null; attempts: number; leased: boolean }[]> {
  return withTenant(svc.deps.db, t.tenantId, async (tx) =>
    rowsOf(
      await tx.execute(sql`SELECT product_id::text AS "productId", status::text AS status, remote_id AS "remoteId", attempts,
        coalesce(leased_until > now(), false) AS leased FROM push_targets WHERE tenant_id = ${t.tenantId}::uuid ORDER BY created_at, id`),
    ),
  );
}

const remote = (p: PushProduct) => ({ remoteId: `gid://shopify/Product/${p.variants[0]!.sku}`, variantIds: {} });

async function waitUntil(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('push task (one per connection)', () => {
  it("pushes every product queued for the connection once, in chunks, each with its own product's state", async () => {
    const t = newTenant();
    const conn = await tenantWithShop(t);
    const ids = await pushed(t, CHUNK * 2 + 3);
    const seen: string[] = [];
    vi.spyOn(shopify, 'upsertProduct').mockImplementation(async (_ctx, p) => {
      seen.push(p.title);
      return remote(p);
    });
    await run(t, conn);
    expect(seen.sort()).toEqual(ids.map((_, i) => `P${i}`).sort());
    const after = await targets(t);
    expect(after.map((x) => x.status)).toEqual(Array(ids.length).fill('succeeded'));
    for (const x of after) expect(x.remoteId).toMatch(/^gid:\/\/shopify\/Product\/PT-/);
    // Finished targets keep no lease.
    expect(after.some((x) => x.leased)).toBe(false);
  });

  it('collapses a burst of pushes of one product into one call with its latest state', async () => {
    const t = newTenant();
    const conn = await tenantWithShop(t);
    const [id] = await pushed(t, 1);
    const headers = await svc.headers(t);
    for (let i = 0; i < 3; i++) {
      const r = await svc.app.inject({ method: 'POST', url: '/unified/sync/push/product', headers, payload: { productId: id, action: 'UPSERT' } });
      expect(r.statusCode).toBe(202);
    }
    const upsert = vi.spyOn(shopify, 'upsertProduct').mockImplementation(async (_ctx, p) => remote(p));
    await run(t, conn);
    expect(upsert).toHaveBeenCalledTimes(1);
    expect((await targets(t)).map((x) => x.status)).toEqual(Array(4).fill('succeeded'));
  });

  it('records the finished products while one provider call of the same chunk still hangs', async () => {
    const t = newTenant();
    const conn = await tenantWithShop(t);
    const [slow] = await pushed(t, 3);
    let release: () => void = () => {};
    const hanging = new Promise<void>((r) => (release = r));
    vi.spyOn(shopify, 'upsertProduct').mockImplementation(async (_ctx, p) => {
      if (p.title === 'P0') await hanging;
      return remote(p);
    });
    const task = run(t, conn);
    await waitUntil(async () => (await targets(t)).filter((x) => x.status === 'succeeded').length === 2);
    const mid = await targets(t);
    expect(mid.filter((x) => x.productId === slow).map((x) => [x.status, x.leased])).toEqual([['running', true]]);
    release();
    await task;
    expect((await targets(t)).every((x) => x.status === 'succeeded')).toBe(true);
  });

  it('leaves a product another holder leases alone, and takes it (looking it up first) once the lease ends', async () => {
    const t = newTenant();
    const conn = await tenantWithShop(t);
    const [id] = await pushed(t, 1);
    // As if another worker claimed it and died mid-call.
    await svc.deps.db.execute(sql`UPDATE push_targets SET status = 'running', attempts = 1, leased_until = now() + interval '1 hour' WHERE product_id = ${id}`);
    const upsert = vi.spyOn(shopify, 'upsertProduct').mockImplementation(async (_ctx, p) => remote(p));
    const find = vi.spyOn(shopify, 'findRemoteProduct').mockImplementation(async () => 'gid://shopify/Product/adopted');
    await svc.deps.db.execute(sql`DELETE FROM pgboss.job WHERE name = 'push-task' AND data->>'tenantId' = ${t.tenantId}`);
    await run(t, conn);
    expect(upsert).not.toHaveBeenCalled();
    // The next pass is scheduled for when that lease ends (an hour), not polled now.
    const [job] = rowsOf<{ s: number }>(
      await svc.deps.db.execute(sql`SELECT extract(epoch FROM start_after - now())::float8 AS s FROM pgboss.job WHERE name = 'push-task' AND singleton_key LIKE ${`${conn}@%`} AND state = 'created'`),
    );
    expect(job!.s).toBeGreaterThan(3500);
    // That wake does not hold the connection's slot: a push made now is picked up now.
    const [other] = await pushed(t, 1);
    const now = rowsOf<{ n: number }>(
      await svc.deps.db.execute(sql`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'push-task' AND singleton_key = ${conn} AND state = 'created' AND start_after <= now()`),
    );
    expect(now[0]!.n).toBe(1);
    await run(t, conn);
    expect(upsert.mock.calls.map((c) => c[1].title)).toEqual(['P0']);
    expect((await targets(t)).find((x) => x.productId === other)?.status).toBe('succeeded');
    upsert.mockClear();
    await svc.deps.db.execute(sql`UPDATE push_targets SET leased_until = now() - interval '1 second' WHERE product_id = ${id}`);
    await run(t, conn);
    expect(find).toHaveBeenCalledTimes(1);
    expect(upsert.mock.calls[0]![2]).toBe('gid://shopify/Product/adopted');
    expect((await targets(t)).filter((x) => x.productId === id).map((x) => [x.status, x.attempts])).toEqual([['succeeded', 2]]);
  });

  it('keeps a retryable failure queued and leased for its backoff, and schedules the next pass for then', async () => {
    const t = newTenant();
    const conn = await tenantWithShop(t);
    const ids = await pushed(t, 2);
    vi.spyOn(shopify, 'upsertProduct').mockImplementation(async (_ctx, p) => {
      if (p.title === 'P0') throw new ProviderError('RATE_LIMITED', 'slow down', { retryable: true, retryAfterMs: 30_000 });
      return remote(p);
    });
    await svc.deps.db.execute(sql`DELETE FROM pgboss.job WHERE name = 'push-task' AND data->>'tenantId' = ${t.tenantId}`);
    await run(t, conn);
    const after = await targets(t);
    expect(after.find((x) => x.productId === ids[0])).toMatchObject({ status: 'queued', leased: true });
    expect(after.find((x) => x.productId === ids[1])?.status).toBe('succeeded');
    const [job] = rowsOf<{ s: number }>(
      await svc.deps.db.execute(sql`SELECT extract(epoch FROM start_after - now())::float8 AS s FROM pgboss.job WHERE name = 'push-task' AND singleton_key LIKE ${`${conn}@%`} AND state = 'created'`),
    );
    // Retry-After (30 s) is honoured: not before, and not much after.
    expect(job!.s).toBeGreaterThan(25);
    expect(job!.s).toBeLessThan(31);
    // A second pass now finds nothing due and calls nobody.
    const calls = vi.mocked(shopify.upsertProduct).mock.calls.length;
    await run(t, conn);
    expect(vi.mocked(shopify.upsertProduct).mock.calls.length).toBe(calls);
  });

  it("sends a chunk's upserts in one call where the provider takes several, each product keeping its own outcome", async () => {
    (shopify as { upsertMany?: Connector['upsertMany'] }).upsertMany = upsertMany;
    const t = newTenant();
    const conn = await tenantWithShop(t);
    const ids = await pushed(t, 3);
    const calls: string[][] = [];
    vi.spyOn(shopify as Required<Connector>, 'upsertMany').mockImplementation(async (_ctx, products) => {
      calls.push(products.map((p) => p.title));
      return products.map((p) =>
        p.title === 'P1' ? { productId: p.id, ok: false as const, error: new ProviderError('VALIDATION', 'bad title') } : { productId: p.id, ok: true as const, result: remote(p) },
      );
    });
    const single = vi.spyOn(shopify, 'upsertProduct');
    await run(t, conn);
    expect(calls.map((c) => c.sort())).toEqual([['P0', 'P1', 'P2']]);
    expect(single).not.toHaveBeenCalled();
    const after = await targets(t);
    expect(after.find((x) => x.productId === ids[1])?.status).toBe('failed');
    expect(after.filter((x) => x.productId !== ids[1]).map((x) => x.status)).toEqual(['succeeded', 'succeeded']);
  });

  it("records each tenant's outcomes in its own transaction", async () => {
    const a = newTenant();
    const b = newTenant();
    const connA = await tenantWithShop(a);
    const connB = await tenantWithShop(b);
    await pushed(a, 2);
    await pushed(b, 2);
    vi.spyOn(shopify, 'upsertProduct').mockImplementation(async (_ctx, p) => remote(p));
    const recorder = pushRecorder(svc.deps);
    const before = recorder.flushSizes.length;
    await Promise.all([run(a, connA), run(b, connB)]);
    // Keyed by tenant: however the four outcomes group, no flush holds more than one tenant's two.
    const sizes = recorder.flushSizes.slice(before);
    expect(sizes.reduce((x, y) => x + y, 0)).toBe(4);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2);
    expect((await targets(a)).map((x) => x.status)).toEqual(['succeeded', 'succeeded']);
    expect((await targets(b)).map((x) => x.status)).toEqual(['succeeded', 'succeeded']);
  });
});
