// Push jobs (one per API call) and their targets (one per connection).
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Queryable } from './client.ts';
import { connections, productLinks, pushJobs, pushTargets } from './schema.ts';
import type { Scope } from './products.ts';

export type TargetStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'dead';
export type PushAction = 'UPSERT' | 'DELETE';
export type TargetRow = typeof pushTargets.$inferSelect;

export async function createPushJob(
  db: Queryable,
  scope: Scope,
  productId: string,
  action: PushAction,
  connectionIds: string[],
): Promise<{ jobId: string; targets: TargetRow[] }> {
  const [job] = await db.insert(pushJobs).values({ tenantId: scope.tenantId, orgId: scope.orgId, productId, action }).returning();
  const targets = connectionIds.length
    ? await db
        .insert(pushTargets)
        .values(connectionIds.map((connectionId) => ({ jobId: job!.id, tenantId: scope.tenantId, productId, connectionId, action })))
        .returning()
    : [];
  return { jobId: job!.id, targets };
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

/** One product × connection: the unit a push task works on. */
export interface PushPair {
  productId: string;
  connectionId: string;
}

const pairList = (pairs: readonly PushPair[]) => sql.join(pairs.map((p) => sql`(${p.productId}::uuid, ${p.connectionId}::uuid)`), sql`, `);

/**
 * Claims every unfinished target of each product × connection pair, in one statement: a
 * task pushes the latest state once for all of a pair's targets (a burst of pushes
 * collapses here). 'running' is included so a task retried after a crash picks its
 * targets up again.
 * Targets of a bulk push under a live lease are skipped: that push-bulk task is pushing them.
 */
export async function claimTargets(db: Queryable, pairs: readonly PushPair[]): Promise<TargetRow[]> {
  if (pairs.length === 0) return [];
  await lockClaimsOf(db, pairs.map((p) => p.connectionId));
  return db
    .update(pushTargets)
    .set({ status: 'running', attempts: sql`${pushTargets.attempts} + 1`, updatedAt: new Date() })
    .where(
      and(
        sql`(${pushTargets.productId}, ${pushTargets.connectionId}) IN (${pairList(pairs)})`,
        inArray(pushTargets.status, ['queued', 'running']),
        // A target leased by a push-bulk task (mid-call, or waiting out a retry backoff) is not ours,
        // and while a bulk call holds the pair, nothing of it is: that call may still create the
        // product, so a DELETE claimed now could be overtaken. The bulk task hands the pair's
        // remaining targets to a push task when it has recorded its outcome (tasks/pushBulk.ts).
        sql`(${pushTargets.leasedUntil} IS NULL OR ${pushTargets.leasedUntil} <= now())`,
        sql`NOT EXISTS (SELECT 1 FROM push_targets h WHERE h.product_id = push_targets.product_id AND h.connection_id = push_targets.connection_id
              AND h.status = 'running' AND h.leased_until > now())`,
      ),
    )
    .returning();
}

/** The pairs among these that have a queued single-product target (not part of a bulk batch). */
export async function queuedSinglePairs(db: Queryable, pairs: readonly PushPair[]): Promise<PushPair[]> {
  if (pairs.length === 0) return [];
  return db
    .selectDistinct({ productId: pushTargets.productId, connectionId: pushTargets.connectionId })
    .from(pushTargets)
    .where(and(sql`(${pushTargets.productId}, ${pushTargets.connectionId}) IN (${pairList(pairs)})`, sql`${pushTargets.batchId} IS NULL`, eq(pushTargets.status, 'queued')));
}

export async function finishTargets(
  db: Queryable,
  ids: string[],
  status: TargetStatus,
  fields: { remoteId?: string | null; error?: string | null; remoteStatus?: string | null },
): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(pushTargets)
    .set({ status, updatedAt: new Date(), ...(fields.remoteId !== undefined ? { remoteId: fields.remoteId } : {}), ...(fields.error !== undefined ? { error: fields.error } : {}), ...(fields.remoteStatus !== undefined ? { remoteStatus: fields.remoteStatus } : {}) })
    .where(inArray(pushTargets.id, ids));
}

/**
 * The grouped record of successful pushes in one statement: the links of the upserts
 * (INSERT … ON CONFLICT) and every succeeded target. One statement is one round trip and
 * is atomic on its own; the push worker runs it inside its tenant transaction.
 */
export async function recordSucceeded(db: Queryable, links: readonly NewLink[], rows: readonly { id: string; remoteId: string | null; remoteStatus: string | null }[]): Promise<void> {
  if (links.length === 0) return finishSucceeded(db, rows);
  if (rows.length === 0) return upsertLinks(db, links);
  const linkList = sql.join(
    links.map((l) => sql`(${l.tenantId}::uuid, ${l.productId}::uuid, ${l.connectionId}::uuid, ${l.remoteId}::text, ${JSON.stringify(l.variantIds)}::jsonb, ${l.pushedVersion}::int)`),
    sql`, `,
  );
  const targetList = sql.join(rows.map((r) => sql`(${r.id}::uuid, ${r.remoteId}::text, ${r.remoteStatus}::text)`), sql`, `);
  await db.execute(sql`
    WITH linked AS (
      INSERT INTO product_links (tenant_id, product_id, connection_id, remote_id, variant_ids, pushed_version)
      VALUES ${linkList}
      ON CONFLICT (product_id, connection_id) DO UPDATE
        SET remote_id = excluded.remote_id, variant_ids = excluded.variant_ids, pushed_version = excluded.pushed_version, updated_at = now()
      RETURNING 1
    )
    UPDATE push_targets AS t SET status = 'succeeded', remote_id = v.remote_id, remote_status = v.remote_status, error = NULL, updated_at = ${new Date().toISOString()}::timestamptz
    FROM (VALUES ${targetList}) AS v(id, remote_id, remote_status) WHERE t.id = v.id`);
}

/** Targets that succeeded, each with its own remote id and status, marked in one statement. */
export async function finishSucceeded(db: Queryable, rows: readonly { id: string; remoteId: string | null; remoteStatus: string | null }[]): Promise<void> {
  if (rows.length === 0) return;
  const list = sql.join(
    rows.map((r) => sql`(${r.id}::uuid, ${r.remoteId}::text, ${r.remoteStatus}::text)`),
    sql`, `,
  );
  await db.execute(sql`
    UPDATE push_targets AS t SET status = 'succeeded', remote_id = v.remote_id, remote_status = v.remote_status, error = NULL, updated_at = ${new Date().toISOString()}::timestamptz
    FROM (VALUES ${list}) AS v(id, remote_id, remote_status) WHERE t.id = v.id`);
}

/** The newest claimed target decides the action (a DELETE after an UPSERT wins, and vice versa). */
export function latestAction(targets: TargetRow[]): PushAction {
  return [...targets].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (b.id < a.id ? -1 : 1))[0]!.action;
}

export type LinkRow = typeof productLinks.$inferSelect;

export async function getLink(db: Queryable, productId: string, connectionId: string): Promise<LinkRow | null> {
  const [r] = await db
    .select()
    .from(productLinks)
    .where(and(eq(productLinks.productId, productId), eq(productLinks.connectionId, connectionId)));
  return r ?? null;
}

/** The links of several product × connection pairs, in one query, keyed `${productId}:${connectionId}`. */
export async function getLinks(db: Queryable, pairs: readonly PushPair[]): Promise<Map<string, LinkRow>> {
  if (pairs.length === 0) return new Map();
  const rows = await db
    .select()
    .from(productLinks)
    .where(sql`(${productLinks.productId}, ${productLinks.connectionId}) IN (${pairList(pairs)})`);
  return new Map(rows.map((r) => [`${r.productId}:${r.connectionId}`, r]));
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
