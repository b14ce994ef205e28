// Push jobs (one per API call) and their targets (one per connection).
import { randomUUID } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { rowsOf, type Queryable } from './client.ts';
import { tokenArray } from './arrayParams.ts';
import { connections, productLinks, pushJobs, pushTargets } from './schema.ts';
import type { Scope } from './products.ts';

export type TargetStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'dead';
export type PushAction = 'UPSERT' | 'DELETE';
export type TargetRow = typeof pushTargets.$inferSelect;

/** One push as the route asks for it. */
export interface PushRequest {
  productId: string;
  action: PushAction;
}

/** A push that was queued: its job and the connections it targets (none when nothing is ACTIVE). */
export interface QueuedPush {
  jobId: string;
  connectionIds: string[];
}

/**
 * Several pushes of one tenant and org in one statement: checks each product (a soft-deleted
 * one only for a DELETE), creates its push job and one target per ACTIVE connection of the
 * org. Null for a push whose product is not the tenant's. Job ids are made here, so each answer
 * finds its own row even when one product is pushed twice. The caller keeps a product to one
 * push per call: which of two pushes of a product is the later one is read from the targets'
 * seq (latestAction), and the order of rows within one INSERT is not the order of the input.
 */
export async function queuePushes(db: Queryable, scope: Scope, pushes: readonly PushRequest[]): Promise<(QueuedPush | null)[]> {
  const jobIds = pushes.map(() => randomUUID());
  const rows = rowsOf<{ job_id: string; connection_id: string | null }>(
    await db.execute(sql`
      WITH input AS (
        SELECT * FROM unnest(${tokenArray(jobIds)}::uuid[], ${tokenArray(pushes.map((p) => p.productId))}::uuid[], ${tokenArray(pushes.map((p) => p.action))}::text[])
          AS i(job_id, product_id, action)
      ), j AS (
        INSERT INTO push_jobs (id, tenant_id, org_id, product_id, action)
        SELECT i.job_id, ${scope.tenantId}::uuid, ${scope.orgId}::uuid, i.product_id, i.action FROM input i
        JOIN products p ON p.id = i.product_id AND p.tenant_id = ${scope.tenantId}::uuid AND p.org_id = ${scope.orgId}::uuid
          AND (i.action = 'DELETE' OR p.deleted_at IS NULL)
        RETURNING id, product_id, action
      ), tg AS (
        INSERT INTO push_targets (job_id, tenant_id, product_id, connection_id, action)
        SELECT j.id, ${scope.tenantId}::uuid, j.product_id, c.id, j.action FROM j
        JOIN connections c ON c.tenant_id = ${scope.tenantId}::uuid AND c.org_id = ${scope.orgId}::uuid AND c.status = 'ACTIVE'
        RETURNING job_id, connection_id
      )
      SELECT j.id AS job_id, tg.connection_id FROM j LEFT JOIN tg ON tg.job_id = j.id ORDER BY tg.connection_id`),
  );
  const byJob = new Map<string, string[]>();
  for (const r of rows) {
    const conns = byJob.get(r.job_id) ?? [];
    if (r.connection_id !== null) conns.push(r.connection_id);
    byJob.set(r.job_id, conns);
  }
  return jobIds.map((jobId) => {
    const connectionIds = byJob.get(jobId);
    return connectionIds ? { jobId, connectionIds } : null;
  });
}

export interface JobView {
  id: string;
  productId: string;
  action: PushAction;
  createdAt: Date;
  targets: (TargetRow & { publicConnectionId: string; provider: string })[];
}

export async function getPushJob(db: Queryable, scope: Scope, jobId: string): Promise<JobView | null> {
  const [job] = await db
    .select()
    .from(pushJobs)
    .where(and(eq(pushJobs.id, jobId), eq(pushJobs.tenantId, scope.tenantId), eq(pushJobs.orgId, scope.orgId)));
  if (!job) return null;
  const rows = await db
    .select({ t: pushTargets, publicConnectionId: connections.connectionId, provider: connections.provider })
    .from(pushTargets)
    .innerJoin(connections, eq(connections.id, pushTargets.connectionId))
    .where(eq(pushTargets.jobId, jobId))
    .orderBy(pushTargets.createdAt, pushTargets.id);
  return {
    id: job.id,
    productId: job.productId,
    action: job.action,
    createdAt: job.createdAt,
    targets: rows.map((r) => ({ ...r.t, publicConnectionId: r.publicConnectionId, provider: r.provider })),
  };
}

/** First key of the advisory locks that serialize push claims per connection ('SQ'). */
const CLAIM_LOCK_SPACE = 0x5351;

/**
 * Serializes the two claim paths of one connection, until the caller's transaction ends.
 * A single-product claim skips pairs a bulk call holds and a bulk claim skips pairs a single
 * push holds, each with NOT EXISTS on the other's rows; under READ COMMITTED two concurrent
 * claims both saw the other's rows as not yet running, both claimed, and the product was
 * created twice at the provider ("Handle already in use" in the multi-process tests when a
 * connection's initial bulk push overlapped per-product pushes). Taken in sorted order so
 * claims of several connections cannot deadlock; the claim statement that follows takes its
 * snapshot after the lock, so it sees what the previous holder committed. Claims are one short
 * statement each, so the wait is short.
 */
export async function lockClaimsOf(db: Queryable, connectionIds: readonly string[]): Promise<void> {
  const ids = [...new Set(connectionIds)].sort();
  if (ids.length === 0) return;
  // One statement for all of them (a grouped claim spans several connections). The sorted
  // subquery fixes the order the locks are taken in, so two claimers never wait on each other
  // in a cycle.
  const list = sql.join(ids.map((id) => sql`(${id}::text)`), sql`, `);
  await db.execute(sql`SELECT count(pg_advisory_xact_lock(${CLAIM_LOCK_SPACE}, hashtext(s.id))) FROM (SELECT id FROM (VALUES ${list}) AS v(id) ORDER BY id) AS s`);
}

/**
 * Which of a connection's targets its push task takes: 'single' (single-product pushes; the
 * push-bulk task takes the batch targets) or 'all' (a provider with no bulk path gets its batch
 * targets pushed one product at a time too).
 */
export type DrainScope = 'single' | 'all';

/** The scope as a condition on a push_targets row, its columns qualified by `alias` when given. */
const inScope = (scope: DrainScope, alias?: string) => sql.raw(scope === 'single' ? `${alias ? `${alias}.` : ''}batch_id IS NULL` : 'true');

/**
 * The products a drain claim takes: the oldest free targets' products, except products another
 * holder leases. That exception is an uncorrelated NOT IN, run once as a hashed subplan: as a
 * correlated NOT EXISTS, a table without statistics (a new install before autovacuum's first
 * ANALYZE) got a nested loop rescanning the connection's targets per candidate, 1.1 s per claim
 * with 10,000 targets queued and a 5,000-product bulk chunk in flight (12 ms this way).
 */
export const drainClaimProducts = (connectionId: string, scope: DrainScope, maxProducts: number) => sql`
          SELECT DISTINCT c.product_id FROM (
            SELECT c.product_id FROM push_targets c
            WHERE c.connection_id = ${connectionId}::uuid AND c.status IN ('queued', 'running') AND ${inScope(scope, 'c')}
              AND (c.leased_until IS NULL OR c.leased_until <= now())
              AND c.product_id NOT IN (SELECT h.product_id FROM push_targets h WHERE h.connection_id = ${connectionId}::uuid
                    AND h.status = 'running' AND h.leased_until > now())
            ORDER BY c.created_at, c.id LIMIT ${maxProducts * 4}) AS c
          LIMIT ${maxProducts}`;

/**
 * Claims, under a lease, every unfinished target of up to `maxProducts` products of one
 * connection: queued ones whose retry backoff is over, and running ones whose lease ran out
 * (their task died). The products are picked by `scope`; once picked, all their free targets
 * are taken, a bulk push's too (an older bulk UPSERT left behind would otherwise be pushed after
 * a newer DELETE, and bring the product back). Whole products, so one provider call pushes a product's latest state once
 * for all its targets (a burst of pushes of one product collapses here), and two loops never
 * push the same product at once. A product another holder leases (a bulk call, a loop of a task
 * still alive) is left alone whole: that holder may still be creating it.
 * The oldest products first, through push_targets_claim_idx; the inner LIMIT keeps each claim's
 * scan short however long the backlog is.
 */
export async function claimDrainTargets(db: Queryable, connectionId: string, scope: DrainScope, maxProducts: number, leaseSeconds: number): Promise<TargetRow[]> {
  await lockClaimsOf(db, [connectionId]);
  return db
    .update(pushTargets)
    .set({ status: 'running', attempts: sql`${pushTargets.attempts} + 1`, updatedAt: sql`now()`, leasedUntil: sql`now() + make_interval(secs => ${leaseSeconds})` })
    .where(
      and(
        eq(pushTargets.connectionId, connectionId),
        inArray(pushTargets.status, ['queued', 'running']),
        sql`(${pushTargets.leasedUntil} IS NULL OR ${pushTargets.leasedUntil} <= now())`,
        sql`${pushTargets.productId} IN (${drainClaimProducts(connectionId, scope, maxProducts)})`,
      ),
    )
    .returning();
}

/** Extends the lease of those of `ids` still running (finished ones are left as recorded). */
export async function renewLeases(db: Queryable, ids: readonly string[], leaseSeconds: number): Promise<void> {
  if (ids.length === 0) return;
  await db.execute(sql`UPDATE push_targets SET leased_until = now() + make_interval(secs => ${leaseSeconds})
    WHERE id = ANY(${tokenArray(ids)}::uuid[]) AND status = 'running'`);
}

/**
 * nextDrainWakeSeconds' statement: one grouped pass over the connection's unfinished targets.
 * A product's holders (running, leased) are among those rows, so per product the wake-up is
 * greatest(earliest own wake-up of its targets in scope, end of its holders' leases), the same
 * as the greatest per target taken before the min. Written as a correlated lookup of each
 * target's holders, a table without statistics got a rescan of the connection's targets per
 * target (10 million buffers for 4,000 targets in pushClaims.test.ts); a group by has no plan
 * that is worse than a sort.
 */
export const drainWakeQuery = (connectionId: string, scope: DrainScope) => {
  const inScopeRow = inScope(scope);
  return sql`
      SELECT extract(epoch FROM min(w.at) - now())::float8 AS s FROM (
        SELECT greatest(min(coalesce(leased_until, now())) FILTER (WHERE ${inScopeRow}),
                        coalesce(max(leased_until) FILTER (WHERE status = 'running' AND leased_until > now()), now())) AS at
        FROM push_targets
        WHERE connection_id = ${connectionId}::uuid AND status IN ('queued', 'running')
        GROUP BY product_id
        HAVING count(*) FILTER (WHERE ${inScopeRow}) > 0) AS w`;
};

/**
 * Seconds until a target of the connection in this scope may be claimed again: now for a free
 * one, the end of its backoff or of a dead task's lease, and for a product another holder leases,
 * the end of that lease. Null when nothing is left unfinished.
 */
export async function nextDrainWakeSeconds(db: Queryable, connectionId: string, scope: DrainScope): Promise<number | null> {
  const [row] = rowsOf<{ s: number | null }>(await db.execute(drainWakeQuery(connectionId, scope)));
  return row?.s === null || row?.s === undefined ? null : Math.max(0, Number(row.s));
}

/** A target's recorded outcome (finishTargets). */
export interface TargetFinish {
  id: string;
  status: TargetStatus;
  remoteId: string | null;
  error: string | null;
  remoteStatus: string | null;
  /** Retry backoff: the target stays leased this long, then a push task (or push-bulk task) may claim it again. */
  retryInMs: number | null;
}

export function targetFinish(id: string, status: TargetStatus, f: Partial<Omit<TargetFinish, 'id' | 'status'>> = {}): TargetFinish {
  return { id, status, remoteId: f.remoteId ?? null, error: f.error ?? null, remoteStatus: f.remoteStatus ?? null, retryInMs: f.retryInMs ?? null };
}

/** Records many targets' outcomes (single-product and bulk pushes alike) in one statement. */
export async function finishTargets(db: Queryable, rows: readonly TargetFinish[]): Promise<void> {
  if (rows.length === 0) return;
  const json = JSON.stringify(rows.map((r) => ({ id: r.id, status: r.status, remote_id: r.remoteId, error: r.error, remote_status: r.remoteStatus, retry_ms: r.retryInMs })));
  await db.execute(sql`
    UPDATE push_targets t SET status = v.status, remote_id = coalesce(v.remote_id, t.remote_id), error = v.error,
      remote_status = v.remote_status, updated_at = now(),
      leased_until = CASE WHEN v.retry_ms IS NULL THEN NULL ELSE now() + make_interval(secs => v.retry_ms / 1000.0) END
    FROM jsonb_to_recordset(${json}::jsonb) AS v(id uuid, status text, remote_id text, error text, remote_status text, retry_ms float8)
    WHERE t.id = v.id`);
}

/** The newest claimed target decides the action (a DELETE after an UPSERT wins, and vice versa). */
export function latestAction(targets: TargetRow[]): PushAction {
  return targets.reduce((latest, t) => (t.seq > latest.seq ? t : latest)).action;
}

export type LinkRow = typeof productLinks.$inferSelect;

export async function getLink(db: Queryable, productId: string, connectionId: string): Promise<LinkRow | null> {
  const [r] = await db
    .select()
    .from(productLinks)
    .where(and(eq(productLinks.productId, productId), eq(productLinks.connectionId, connectionId)));
  return r ?? null;
}

export interface NewLink {
  tenantId: string;
  productId: string;
  connectionId: string;
  remoteId: string;
  variantIds: Record<string, string>;
  pushedVersion: number | null;
}

export async function upsertLink(db: Queryable, row: NewLink): Promise<void> {
  await upsertLinks(db, [row]);
}

/** Several links in one INSERT … ON CONFLICT (the push worker's grouped record). */
export async function upsertLinks(db: Queryable, rows: readonly NewLink[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insert(productLinks)
    .values([...rows])
    .onConflictDoUpdate({
      target: [productLinks.productId, productLinks.connectionId],
      set: { remoteId: sql`excluded.remote_id`, variantIds: sql`excluded.variant_ids`, pushedVersion: sql`excluded.pushed_version`, updatedAt: sql`now()` },
    });
}

export async function deleteLink(db: Queryable, productId: string, connectionId: string): Promise<void> {
  await db.delete(productLinks).where(and(eq(productLinks.productId, productId), eq(productLinks.connectionId, connectionId)));
}
