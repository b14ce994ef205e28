// Grouped push intake: concurrent pushes of one tenant share a commit, each still gets its own
// job (or its own 404), a product pushed twice in one group keeps its pushes in order, and
// tenants never share a transaction.
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf, withTenant } from '../db/client.ts';
import { latestAction, type TargetRow } from '../db/push.ts';
import { pushTargets } from '../db/schema.ts';
import { insertShopifyConnection, newTenant, startService, type TestService, type TestTenant } from '../../test/harness.ts';
import { intakeFlushSizes, queuePush } from './pushIntake.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ env: { SHOPIFY_CLIENT_ID: 'pi-client', SHOPIFY_CLIENT_SECRET: 'pi-secret-0123456789' } });
});
afterAll(async () => {
  await svc?.close();
});

const shop = (t: TestTenant, status?: 'ACTIVE' | 'DISCONNECTED') => insertShopifyConnection(svc, t, status);

async function products(t: TestTenant, n: number): Promise<string[]> {
  const headers = await svc.headers(t);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await svc.app.inject({ method: 'POST', url: '/api/v1/pim/products', headers, payload: { title: `PI${i}`, variants: [{ sku: `PI-${randomUUID().slice(0, 8)}`, price: '1.00', currency: 'USD' }] } });
    expect(r.statusCode, r.body).toBe(201);
    ids.push((r.json() as { id: string }).id);
  }
  return ids;
}

const targetsOf = (t: TestTenant) =>
  withTenant(svc.deps.db, t.tenantId, (tx) => tx.select().from(pushTargets).where(eq(pushTargets.tenantId, t.tenantId)));

describe('push intake (grouped commits of the push route)', () => {
  it('answers each of many concurrent pushes with its own job, one target per ACTIVE connection, in shared commits', async () => {
    const t = newTenant();
    const [a, b] = [await shop(t), await shop(t)];
    await shop(t, 'DISCONNECTED');
    const ids = await products(t, 24);
    const headers = await svc.headers(t);
    const before = intakeFlushSizes(svc.deps).length;
    const answers = await Promise.all(
      ids.map((productId) => svc.app.inject({ method: 'POST', url: '/unified/sync/push/product', headers, payload: { productId, action: 'UPSERT' } })),
    );
    expect(answers.map((r) => r.statusCode)).toEqual(ids.map(() => 202));
    const jobIds = answers.map((r) => (r.json() as { job_id: string }).job_id);
    expect(new Set(jobIds).size).toBe(ids.length);
    const rows = await targetsOf(t);
    expect(rows).toHaveLength(ids.length * 2);
    for (const [i, productId] of ids.entries()) {
      const mine = rows.filter((r) => r.jobId === jobIds[i]);
      expect(mine.map((r) => r.productId)).toEqual([productId, productId]);
      expect(mine.map((r) => r.connectionId).sort()).toEqual([a, b].sort());
    }
    // Shared commits: fewer flushes than pushes (the exact grouping depends on arrival).
    const flushes = intakeFlushSizes(svc.deps).slice(before);
    expect(flushes.reduce((x, y) => x + y, 0)).toBe(ids.length);
    expect(flushes.length).toBeLessThan(ids.length);
  });

  it('gives a 404 to the pushes whose product is not the tenant’s, and stores nothing for them, in the same group as pushes that succeed', async () => {
    const t = newTenant();
    const other = newTenant();
    await shop(t);
    await shop(other);
    const [mine] = await products(t, 1);
    const [theirs] = await products(other, 1);
    const answers = await Promise.all([
      queuePush(svc.deps, t, { productId: mine!, action: 'UPSERT' }),
      queuePush(svc.deps, t, { productId: theirs!, action: 'UPSERT' }),
      queuePush(svc.deps, t, { productId: randomUUID(), action: 'DELETE' }),
    ]);
    expect(answers[0]).not.toBeNull();
    expect(answers.slice(1)).toEqual([null, null]);
    expect((await targetsOf(t)).map((r) => r.productId)).toEqual([mine]);
    expect(await targetsOf(other)).toEqual([]);
    const jobs = rowsOf(await svc.deps.db.execute(sql`SELECT count(*)::int AS n FROM push_jobs WHERE product_id = ${theirs}::uuid`));
    expect(jobs).toEqual([{ n: 0 }]);
  });

  it('keeps two pushes of one product in one group in order: the later one is the latest action', async () => {
    const t = newTenant();
    await shop(t);
    const [id] = await products(t, 1);
    const before = intakeFlushSizes(svc.deps).length;
    const [first, second] = await Promise.all([
      queuePush(svc.deps, t, { productId: id!, action: 'UPSERT' }),
      queuePush(svc.deps, t, { productId: id!, action: 'DELETE' }),
    ]);
    expect(intakeFlushSizes(svc.deps).slice(before)).toEqual([2]); // one group, two rounds
    expect(first!.jobId).not.toBe(second!.jobId);
    const rows: TargetRow[] = await targetsOf(t);
    expect(rows).toHaveLength(2);
    expect(latestAction(rows)).toBe('DELETE');
    expect(rows.find((r) => r.action === 'DELETE')!.seq).toBeGreaterThan(rows.find((r) => r.action === 'UPSERT')!.seq);
  });

  it('never mixes tenants: concurrent pushes of two tenants each target only their own connections', async () => {
    const [t1, t2] = [newTenant(), newTenant()];
    const [c1, c2] = [await shop(t1), await shop(t2)];
    const [p1, p2] = [await products(t1, 3), await products(t2, 3)];
    await Promise.all([...p1.map((productId) => queuePush(svc.deps, t1, { productId, action: 'UPSERT' })), ...p2.map((productId) => queuePush(svc.deps, t2, { productId, action: 'UPSERT' }))]);
    expect((await targetsOf(t1)).map((r) => r.connectionId)).toEqual([c1, c1, c1]);
    expect((await targetsOf(t2)).map((r) => r.connectionId)).toEqual([c2, c2, c2]);
  });
});
