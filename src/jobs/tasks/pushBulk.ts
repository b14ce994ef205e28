// Pushes a connection's bulk-push targets through the provider's bulk path
// (Connector.bulkUpsert), a provider-sized chunk at a time. Per chunk, as in pushTask,
// short transactions around one provider operation, never a transaction across the network:
//   1. claim up to maxItemsPerOperation targets under a lease (per-product push tasks skip them);
//   2. one bulkUpsert with the products' latest state and the remote ids already linked;
//   3. record every target's outcome in one statement: succeeded (and linked), queued for retry
//      (leased until its backoff ends, then claimed again here), failed or dead.
// Providers without a bulk path get one push-task per product, which claims the same targets.
import { withTenant } from '../../db/client.ts';
import { connectionById, type ConnectionRow } from '../../db/connections.ts';
import { getProducts } from '../../db/products.ts';
import { finishTargets, targetFinish, type TargetFinish } from '../../db/push.ts';
import {
  claimBulkTargets,
  linksFor,
  nextBulkWakeSeconds,
  upsertLinks,
  waitingSinglePushes,
  type TargetRowLite,
} from '../../db/pushBatches.ts';
import { failAll, nextForTarget } from '../../domain/pushOutcome.ts';
import { backoffMs } from '../../domain/retry.ts';
import { toPushProduct } from '../../domain/product.ts';
import type { Deps } from '../../deps.ts';
import { createConnectionContext } from '../../providers/connectionContext.ts';
import { ProviderError, type BulkItemOutcome, type BulkPushFacts, type Connector } from '../../providers/types.ts';
import type { Task } from '../worker.ts';

/**
 * How long a claimed chunk is held: three times the chunk's rate-limit floor plus a minute,
 * so a slow but healthy operation keeps its lease and a dead worker's chunk is free again soon.
 */
export function leaseSeconds(facts: BulkPushFacts, items: number): number {
  const floor = facts.floor === null ? items * 0.05 : facts.floor.kind === 'calls-per-second' ? Math.ceil(items / facts.maxItemsPerCall) / facts.floor.perSecond : items / facts.floor.perSecond;
  return Math.ceil(60 + 3 * floor);
}

export const pushBulk: Task<'push-bulk'> = async (deps, data, tctx) => {
  const conn = await connectionById(deps.db, data.connectionId);
  if (!conn) return; // deleted: its targets went with it (ON DELETE CASCADE)
  const log = deps.log.child({ task: 'push-bulk', connectionId: conn.connectionId, provider: conn.provider, batchId: data.batchId });
  const connector = deps.providers.get(conn.provider);
  if (conn.status !== 'ACTIVE' || !connector) {
    const error = connector ? `Connection is ${conn.status}` : `Provider ${conn.provider} is not available`;
    for (;;) {
      const claimed = await withTenant(deps.db, conn.tenantId, (tx) => claimBulkTargets(tx, conn.id, 5000, 60));
      if (claimed.length === 0) return;
      await withTenant(deps.db, conn.tenantId, (tx) => finishTargets(tx, claimed.map((t) => targetFinish(t.id, 'failed', { error }))));
    }
  }
  const facts = connector.facts.bulkPush;
  if (!connector.bulkUpsert || !facts) {
    await handOffToPushTasks(deps, conn);
    return;
  }
  let pushed = 0;
  const bulkUpsert = connector.bulkUpsert.bind(connector);
  // operationsInFlight loops claim disjoint chunks (SKIP LOCKED): while one records and claims,
  // the other's provider call runs.
  const loop = async () => {
    while (!tctx.signal.aborted) {
      const size = facts.maxItemsPerOperation;
      const claimed = await withTenant(deps.db, conn.tenantId, (tx) => claimBulkTargets(tx, conn.id, size, leaseSeconds(facts, size)));
      if (claimed.length === 0) return;
      await pushChunk(deps, conn, connector, bulkUpsert, claimed);
      pushed += claimed.length;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, facts.operationsInFlight) }, loop));
  // Targets waiting out a retry backoff: wake this queue when the first one is due.
  const wake = await withTenant(deps.db, conn.tenantId, (tx) => nextBulkWakeSeconds(tx, conn.id));
  if (wake !== null) {
    // At least a second: a target left unclaimed because a single-product push holds its pair is
    // due now, and would otherwise be re-polled back to back until that push ends.
    await deps.queue.send(deps.db, 'push-bulk', { tenantId: conn.tenantId, connectionId: conn.id, batchId: data.batchId }, { singletonKey: conn.id, startAfterSeconds: Math.max(1, wake) });
  }
  log.info({ targets: pushed, nextWakeSeconds: wake }, 'bulk push pass finished');
};


async function pushChunk(deps: Deps, conn: ConnectionRow, connector: Connector, bulkUpsert: NonNullable<Connector['bulkUpsert']>, claimed: TargetRowLite[]): Promise<void> {
  const log = deps.log.child({ task: 'push-bulk', connectionId: conn.connectionId, provider: conn.provider });
  const scope = { tenantId: conn.tenantId, orgId: conn.orgId };
  // A product claimed twice (two batches, or a DELETE queued behind) is pushed once.
  const upserts = claimed.filter((t) => t.action === 'UPSERT');
  const deletes = claimed.filter((t) => t.action === 'DELETE');
  const productIds = [...new Set(upserts.map((t) => t.productId))];
  const { products, known } = await withTenant(deps.db, conn.tenantId, async (tx) => ({
    products: await getProducts(tx, scope, productIds),
    known: await linksFor(tx, conn.id, productIds),
  }));
  const found = new Set(products.map((p) => p.id));
  const versions = new Map(products.map((p) => [p.id, p.version]));
  const outcomes = new Map<string, BulkItemOutcome>();
  for (const id of productIds) {
    if (!found.has(id)) outcomes.set(id, { productId: id, ok: false, error: new ProviderError('VALIDATION', 'Product was deleted; push DELETE instead') });
  }
  if (products.length > 0) {
    const ctx = createConnectionContext(deps, connector, conn);
    const started = Date.now();
    let results: BulkItemOutcome[];
    try {
      results = await bulkUpsert(ctx, products.map(toPushProduct), known);
    } catch (err) {
      if (!(err instanceof ProviderError)) log.error({ err }, 'unexpected error in bulk push; retrying as transient');
      const e = err instanceof ProviderError ? err : new ProviderError('UNAVAILABLE', 'Internal error during bulk push', { retryable: true });
      results = failAll(products.map((p) => p.id), e);
    }
    for (const r of results) outcomes.set(r.productId, r);
    const failed = results.filter((r) => !r.ok).length;
    log.info({ products: products.length, failed, ms: Date.now() - started }, 'bulk chunk pushed');
  }

  const policy = deps.config.pushRetry;
  // One backoff per chunk: retried targets come back together and go out in one operation again
  // (per-target jitter would split a 10,000-product chunk into many small, floor-wasting ones).
  const attempt = Math.max(...claimed.map((t) => t.attempts));
  const retryAfter = Math.max(0, ...[...outcomes.values()].map((o) => (o.ok ? 0 : (o.error.retryAfterMs ?? 0))));
  const chunkDelay = backoffMs(policy, attempt, retryAfter > 0 ? retryAfter : undefined);
  const finishes: TargetFinish[] = [];
  const links: { productId: string; remoteId: string; variantIds: Record<string, string>; pushedVersion: number | null }[] = [];
  for (const t of upserts) {
    const outcome = outcomes.get(t.productId) ?? { productId: t.productId, ok: false as const, error: new ProviderError('PROTOCOL', 'No outcome for this product', { retryable: true }) };
    const next = nextForTarget(policy, t.attempts, outcome);
    if (next.kind === 'succeeded') {
      finishes.push(targetFinish(t.id, 'succeeded', { remoteId: next.remoteId, remoteStatus: next.detail }));
      links.push({ productId: t.productId, remoteId: next.remoteId, variantIds: next.variantIds, pushedVersion: versions.get(t.productId) ?? null });
    } else if (next.kind === 'retry') finishes.push(targetFinish(t.id, 'queued', { error: next.error, retryInMs: chunkDelay }));
    else finishes.push(targetFinish(t.id, next.kind, { error: next.error }));
  }
  // Batches only upsert (the endpoint refuses DELETE); a DELETE target here is a bug, not a retry.
  for (const t of deletes) finishes.push(targetFinish(t.id, 'failed', { error: 'Bulk pushes do not delete; use POST /unified/sync/push/product' }));
  await withTenant(deps.db, conn.tenantId, async (tx) => {
    const unique = new Map(links.map((l) => [l.productId, l]));
    await upsertLinks(tx, conn.tenantId, conn.id, [...unique.values()]);
    await finishTargets(tx, finishes);
    // Single-product pushes of these products that arrived while the bulk call held them waited
    // (db/push.ts claimDrainTargets): the connection's push task now takes them, after this outcome.
    if ((await waitingSinglePushes(tx, conn.id, productIds)).length > 0) {
      await deps.queue.send(tx, 'push-task', { tenantId: conn.tenantId, connectionId: conn.id }, { singletonKey: conn.id });
    }
  });
}

/** A provider without a bulk path: the connection's push task takes the batch targets too, one product per call. */
async function handOffToPushTasks(deps: Deps, conn: ConnectionRow): Promise<void> {
  await deps.queue.send(deps.db, 'push-task', { tenantId: conn.tenantId, connectionId: conn.id }, { singletonKey: conn.id });
}
