// Bulk pushes: one push_batches row per request, one push target per product × connection
// (batch_id set, job_id null), claimed by the push-bulk task in provider-sized chunks under a
// lease. Set-based statements throughout: a 10,000-product batch is a handful of statements.
import { and, eq, sql } from 'drizzle-orm';
import { rowsOf, type Queryable } from './client.ts';
import { pushBatches, type pushTargets } from './schema.ts';
import type { Scope } from './products.ts';
import { tokenArray } from './arrayParams.ts';
import { lockClaimsOf, type PushAction, type TargetStatus } from './push.ts';

export type BatchOrigin = 'api' | 'initial-sync';
export type TargetRowLite = Pick<typeof pushTargets.$inferSelect, 'id' | 'productId' | 'attempts' | 'action'>;

/**
 * The tenant's products among `productIds` (or all of them), not deleted: what a batch may
 * push. Returns the ids found, in no particular order.
 */
export async function pushableProductIds(db: Queryable, scope: Scope, productIds: readonly string[] | 'all'): Promise<string[]> {
  const filter = productIds === 'all' ? sql`` : sql`AND id = ANY(${tokenArray(productIds)}::uuid[])`;
  const rows = rowsOf<{ id: string }>(
    await db.execute(sql`SELECT id FROM products WHERE tenant_id = ${scope.tenantId} AND org_id = ${scope.orgId} AND deleted_at IS NULL ${filter}`),
  );
  return rows.map((r) => r.id);
}

/** Creates the batch and its targets (every product × every connection) in the caller's transaction. */
export async function createBatch(
  db: Queryable,
  scope: Scope,
  input: { action: PushAction; origin: BatchOrigin; productIds: readonly string[]; connectionIds: readonly string[] },
): Promise<string> {
  const [batch] = await db
    .insert(pushBatches)
    .values({ tenantId: scope.tenantId, orgId: scope.orgId, action: input.action, productCount: input.productIds.length, origin: input.origin })
    .returning({ id: pushBatches.id });
  if (input.productIds.length > 0 && input.connectionIds.length > 0) {
    await db.execute(sql`
      INSERT INTO push_targets (tenant_id, product_id, connection_id, action, batch_id)
      SELECT ${scope.tenantId}::uuid, p, c, ${input.action}, ${batch!.id}::uuid
      FROM unnest(${tokenArray(input.productIds)}::uuid[]) AS p CROSS JOIN unnest(${tokenArray(input.connectionIds)}::uuid[]) AS c`);
  }
  return batch!.id;
}

/**
 * The initial sync's catalog push for one connection: a batch of every product of the
 * tenant's org, once per connection (a retried sync job finds the first one and queues nothing).
 */
export async function queueInitialPush(db: Queryable, scope: Scope, connectionId: string): Promise<{ batchId: string; products: number } | null> {
  const done = rowsOf<{ one: number }>(
    await db.execute(sql`SELECT 1 AS one FROM push_targets t JOIN push_batches b ON b.id = t.batch_id
      WHERE t.connection_id = ${connectionId}::uuid AND b.origin = 'initial-sync' LIMIT 1`),
  );
  if (done.length > 0) return null;
  const productIds = await pushableProductIds(db, scope, 'all');
  if (productIds.length === 0) return null;
  const batchId = await createBatch(db, scope, { action: 'UPSERT', origin: 'initial-sync', productIds, connectionIds: [connectionId] });
  return { batchId, products: productIds.length };
}

export interface BatchProgress {
  id: string;
  action: PushAction;
  origin: BatchOrigin;
  productCount: number;
  createdAt: Date;
  connections: { connectionId: string; provider: string; counts: Record<TargetStatus, number> }[];
}

export async function getBatchProgress(db: Queryable, scope: Scope, batchId: string): Promise<BatchProgress | null> {
  const [batch] = await db
    .select()
    .from(pushBatches)
    .where(and(eq(pushBatches.id, batchId), eq(pushBatches.tenantId, scope.tenantId), eq(pushBatches.orgId, scope.orgId)));
  if (!batch) return null;
  const rows = rowsOf<{ connection_id: string; provider: string; status: TargetStatus; n: number }>(
    await db.execute(sql`
      SELECT c.connection_id, c.provider, t.status, count(*)::int AS n
      FROM push_targets t JOIN connections c ON c.id = t.connection_id
      WHERE t.batch_id = ${batchId}::uuid AND t.tenant_id = ${scope.tenantId}::uuid
      GROUP BY c.connection_id, c.provider, t.status ORDER BY c.connection_id`),
  );
  const byConn = new Map<string, BatchProgress['connections'][number]>();
  for (const r of rows) {
    let entry = byConn.get(r.connection_id);
    if (!entry) {
      entry = { connectionId: r.connection_id, provider: r.provider, counts: { queued: 0, running: 0, succeeded: 0, failed: 0, dead: 0 } };
      byConn.set(r.connection_id, entry);
    }
    entry.counts[r.status] = Number(r.n);
  }
  return { id: batch.id, action: batch.action, origin: batch.origin, productCount: batch.productCount, createdAt: batch.createdAt, connections: [...byConn.values()] };
}

/**
 * The ids a bulk claim takes: the connection's oldest free batch targets, except products a
 * single-product push holds (it claims these too). That exception is an uncorrelated NOT IN,
 * which PostgreSQL runs once as a hashed subplan: as a correlated NOT EXISTS, a fresh table
 * without statistics (a new install's first push, before autovacuum's first ANALYZE; our test
 * server runs without autovacuum) got a nested loop that rescanned all of the connection's
 * targets per target, 100 million buffer reads and 21 s for a 10,000-product chunk.
 */
export const bulkClaimCandidates = (connectionId: string, limit: number) => sql`
        SELECT t.id FROM push_targets t
        WHERE t.connection_id = ${connectionId}::uuid AND t.batch_id IS NOT NULL AND t.status IN ('queued', 'running')
          AND (t.leased_until IS NULL OR t.leased_until <= now())
          AND t.product_id NOT IN (SELECT o.product_id FROM push_targets o WHERE o.connection_id = ${connectionId}::uuid
                AND o.batch_id IS NULL AND o.status = 'running')
        ORDER BY t.created_at, t.id LIMIT ${limit}`;

/**
 * Claims up to `limit` bulk targets of one connection that nobody holds: queued ones whose
 * retry backoff (lease) is over, and running ones whose lease expired (their task died).
 * SKIP LOCKED lets two workers claim disjoint chunks; the lease keeps per-product push tasks
 * (db/push.ts claimTargets) off them while the provider call runs.
 */
export async function claimBulkTargets(db: Queryable, connectionId: string, limit: number, leaseSeconds: number): Promise<TargetRowLite[]> {
  await lockClaimsOf(db, [connectionId]);
  const rows = rowsOf<{ id: string; product_id: string; attempts: number; action: PushAction }>(
    await db.execute(sql`
      UPDATE push_targets SET status = 'running', attempts = attempts + 1, updated_at = now(),
        leased_until = now() + make_interval(secs => ${leaseSeconds})
      WHERE id IN (${bulkClaimCandidates(connectionId, limit)} FOR UPDATE OF t SKIP LOCKED)
      RETURNING id, product_id, attempts, action`),
  );
  return rows.map((r) => ({ id: r.id, productId: r.product_id, attempts: Number(r.attempts), action: r.action }));
}

/** Seconds until the earliest queued bulk target of the connection may be claimed again; null when none waits. */
export async function nextBulkWakeSeconds(db: Queryable, connectionId: string): Promise<number | null> {
  const [row] = rowsOf<{ s: number | null }>(
    await db.execute(sql`
      SELECT extract(epoch FROM min(coalesce(leased_until, now())) - now())::float8 AS s FROM push_targets
      WHERE connection_id = ${connectionId}::uuid AND batch_id IS NOT NULL AND status IN ('queued', 'running')`),
  );
  return row?.s === null || row?.s === undefined ? null : Math.max(0, Number(row.s));
}

/** Products among `productIds` with single-product push targets of this connection still queued. */
export async function waitingSinglePushes(db: Queryable, connectionId: string, productIds: readonly string[]): Promise<string[]> {
  if (productIds.length === 0) return [];
  const rows = rowsOf<{ product_id: string }>(
    await db.execute(sql`SELECT DISTINCT product_id FROM push_targets WHERE connection_id = ${connectionId}::uuid
      AND product_id = ANY(${tokenArray(productIds)}::uuid[]) AND batch_id IS NULL AND status = 'queued'`),
  );
  return rows.map((r) => r.product_id);
}

/** Remote ids of products already linked on this connection. */
export async function linksFor(db: Queryable, connectionId: string, productIds: readonly string[]): Promise<Map<string, string>> {
  if (productIds.length === 0) return new Map();
  const rows = rowsOf<{ product_id: string; remote_id: string }>(
    await db.execute(sql`SELECT product_id, remote_id FROM product_links WHERE connection_id = ${connectionId}::uuid AND product_id = ANY(${tokenArray(productIds)}::uuid[])`),
  );
  return new Map(rows.map((r) => [r.product_id, r.remote_id]));
}

export async function upsertLinks(
  db: Queryable,
  tenantId: string,
  connectionId: string,
  rows: readonly { productId: string; remoteId: string; variantIds: Record<string, string>; pushedVersion: number | null }[],
): Promise<void> {
  if (rows.length === 0) return;
  const json = JSON.stringify(rows.map((r) => ({ product_id: r.productId, remote_id: r.remoteId, variant_ids: r.variantIds, pushed_version: r.pushedVersion })));
  await db.execute(sql`
    INSERT INTO product_links (tenant_id, product_id, connection_id, remote_id, variant_ids, pushed_version)
    SELECT ${tenantId}::uuid, v.product_id, ${connectionId}::uuid, v.remote_id, v.variant_ids, v.pushed_version
    FROM jsonb_to_recordset(${json}::jsonb) AS v(product_id uuid, remote_id text, variant_ids jsonb, pushed_version int)
    ON CONFLICT (product_id, connection_id) DO UPDATE SET remote_id = excluded.remote_id, variant_ids = excluded.variant_ids,
      pushed_version = excluded.pushed_version, updated_at = now()`);
}
