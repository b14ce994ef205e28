// Pushes one product to one connection. Three steps, never a transaction across the network:
//   1. claim every unfinished target of this product × connection (collapses bursts) and read
//      the connection, the product and its link;
//   2. call the provider with the product's latest state;
//   3. record the outcome: link + succeeded, or queued-for-retry / failed / dead.
// Steps 1 and 3 are group-committed per tenant (lib/groupCommit.ts): the tasks of one tenant
// that a worker process runs at once share their transactions (one flush records the outcomes
// that came back and claims the tasks that started), each task still waiting for the commit
// that holds its own rows. A task's provider call never
// waits for another's: a stalled call only delays its own record.
import { withTenant, type Tx } from '../../db/client.ts';
import { connectionsByIds, type ConnectionRow } from '../../db/connections.ts';
import { getProductsByIds } from '../../db/products.ts';
import { claimTargets, queuedSinglePairs, deleteLink, finishTargets, getLinks, latestAction, recordSucceeded, type LinkRow, type NewLink, type PushPair, type TargetRow } from '../../db/push.ts';
import { toPushProduct, type Product } from '../../domain/product.ts';
import { decideRetry, type RetryDecision } from '../../domain/retry.ts';
import type { Deps } from '../../deps.ts';
import { KeyedGroupCommit } from '../../lib/groupCommit.ts';
import { createConnectionContext } from '../../providers/connectionContext.ts';
import { ProviderError } from '../../providers/types.ts';
import type { Task } from '../worker.ts';

type Outcome = { ok: true; remoteId: string | null; detail?: string } | { ok: false; error: ProviderError };

interface Loaded {
  targets: TargetRow[];
  conn: ConnectionRow | null;
  product: Product | null;
  link: LinkRow | null;
}

interface Recorded {
  pair: PushPair;
  targets: TargetRow[];
  action: 'UPSERT' | 'DELETE';
  outcome: Outcome;
  variantIds: Record<string, string>;
  version: number | null;
  attempt: number;
}

type Next = RetryDecision | { kind: 'succeeded' };

/** What a task hands to its tenant's batcher: its claim (step 1) or its outcome (step 3). */
type Op = { kind: 'claim'; pair: PushPair } | { kind: 'record'; item: Recorded };
type OpResult = Loaded | 'held' | null | Next;

/**
 * One batcher per process (per Deps), keyed by tenant. Claims and records share it: one
 * transaction records the outcomes that came back and claims the tasks that just started
 * (records first, so a claim in the same flush sees them), instead of one transaction for each.
 */
const batchers = new WeakMap<Deps, KeyedGroupCommit<Op, OpResult>>();

export function pushBatcher(deps: Deps): KeyedGroupCommit<Op, OpResult> {
  let b = batchers.get(deps);
  if (!b) {
    b = new KeyedGroupCommit((tenantId, ops) => withTenant(deps.db, tenantId, (tx) => flushOps(tx, deps, tenantId, ops)));
    batchers.set(deps, b);
  }
  return b;
}

async function flushOps(tx: Tx, deps: Deps, tenantId: string, ops: Op[]): Promise<OpResult[]> {
  const out = new Array<OpResult>(ops.length);
  const records = ops.flatMap((op, i) => (op.kind === 'record' ? [{ i, item: op.item }] : []));
  const claims = ops.flatMap((op, i) => (op.kind === 'claim' ? [{ i, pair: op.pair }] : []));
  if (records.length > 0) (await recordAll(tx, deps, tenantId, records.map((r) => r.item))).forEach((r, k) => (out[records[k]!.i] = r));
  if (claims.length > 0) (await claimAndRead(tx, tenantId, claims.map((c) => c.pair))).forEach((r, k) => (out[claims[k]!.i] = r));
  return out;
}

const pairKey = (p: PushPair) => `${p.productId}:${p.connectionId}`;

/** Keys of the pairs that still have a queued single-product target (claimTargets left them: a bulk call holds them). */
async function heldPairs(tx: Tx, pairs: PushPair[]): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const rows = await queuedSinglePairs(tx, pairs);
  return new Set(rows.map(pairKey));
}

/** Step 1 for several pairs of one tenant: one UPDATE … RETURNING and three reads. */
async function claimAndRead(tx: Tx, tenantId: string, pairs: PushPair[]): Promise<(Loaded | 'held' | null)[]> {
  const targets = await claimTargets(tx, pairs);
  const claimedKeys = new Set(targets.map(pairKey));
  // Pairs left unclaimed while a single-product target of theirs is queued: a bulk call holds
  // the pair. The bulk task hands such targets over when it records, but a target committed
  // after its record transaction read them would be left with no job (seen in the worker-crash
  // suite: queued targets with 0 attempts and no job), so the task comes back for them itself.
  const held = await heldPairs(tx, pairs.filter((p) => !claimedKeys.has(pairKey(p))));
  const byPair = new Map<string, TargetRow[]>();
  for (const t of targets) byPair.set(pairKey(t), [...(byPair.get(pairKey(t)) ?? []), t]);
  const live = pairs.filter((p) => byPair.has(pairKey(p)));
  const conns = await connectionsByIds(tx, [...new Set(live.map((p) => p.connectionId))]);
  const products = await getProductsByIds(tx, tenantId, [...new Set(live.map((p) => p.productId))]);
  const links = await getLinks(tx, live);
  return pairs.map((p) => {
    const own = byPair.get(pairKey(p));
    // The same pair twice in one flush (stately allows one active job per pair, so only after a
    // crash retry): the first takes the targets, the second finds nothing left to do.
    if (!own) return held.has(pairKey(p)) ? 'held' : null;
    byPair.delete(pairKey(p));
    const conn = conns.get(p.connectionId) ?? null;
    const product = products.get(p.productId);
    return { targets: own, conn, product: conn && product && product.orgId === conn.orgId ? product : null, link: links.get(pairKey(p)) ?? null };
  });
}

export const pushTask: Task<'push-task'> = async (deps, data) => {
  const { tenantId, productId, connectionId } = data;
  const batcher = pushBatcher(deps);
  const loaded = (await batcher.submit(tenantId, { kind: 'claim', pair: { productId, connectionId } })) as Loaded | 'held' | null;
  if (!loaded) return; // another task already pushed the latest state for these targets
  if (loaded === 'held') {
    // Polled every 2 s while the bulk call runs; the bulk lease bounds how long (tasks/pushBulk.ts).
    await deps.queue.send(deps.db, 'push-task', data, { singletonKey: `${productId}:${connectionId}`, startAfterSeconds: 2 });
    return;
  }
  const { targets, conn, product, link } = loaded;
  const ids = targets.map((t) => t.id);
  const attempt = Math.max(...targets.map((t) => t.attempts));
  const log = deps.log.child({ task: 'push', productId, connectionId: conn?.connectionId, attempt });

  if (!conn || conn.status !== 'ACTIVE') {
    await finishTargets(deps.db, ids, 'failed', { error: `Connection is ${conn?.status ?? 'gone'}` });
    return;
  }
  const connector = deps.providers.get(conn.provider);
  if (!connector) {
    await finishTargets(deps.db, ids, 'failed', { error: `Provider ${conn.provider} is not available` });
    return;
  }
  const action = latestAction(targets);
  const ctx = createConnectionContext(deps, connector, conn);
  let outcome: Outcome;
  let variantIds: Record<string, string> = {};
  try {
    if (action === 'UPSERT') {
      if (!product || product.deletedAt) throw new ProviderError('VALIDATION', 'Product was deleted; push DELETE instead');
      // A previous attempt may have created the product and died before recording it:
      // look it up by SKU before creating it again.
      const known = link?.remoteId ?? (attempt > 1 ? await connector.findRemoteProduct(ctx, product.variants.map((v) => v.sku)) : null);
      const res = await connector.upsertProduct(ctx, toPushProduct(product), known);
      variantIds = res.variantIds;
      outcome = { ok: true, remoteId: res.remoteId, ...(res.detail !== undefined ? { detail: res.detail } : {}) };
    } else {
      const skus = product?.variants.map((v) => v.sku) ?? [];
      const known = link?.remoteId ?? (skus.length ? await connector.findRemoteProduct(ctx, skus) : null);
      if (known) await connector.deleteProduct(ctx, known);
      outcome = { ok: true, remoteId: known };
    }
  } catch (err) {
    if (!(err instanceof ProviderError)) log.error({ err }, 'unexpected error in push; retrying as transient');
    outcome = { ok: false, error: err instanceof ProviderError ? err : new ProviderError('UNAVAILABLE', 'Internal error during push', { retryable: true }) };
  }
  const next = (await batcher.submit(tenantId, { kind: 'record', item: { pair: { productId, connectionId }, targets, action, outcome, variantIds, version: product?.version ?? null, attempt } })) as Next;
  if (outcome.ok) log.info({ action, remoteId: outcome.remoteId, collapsed: targets.length }, 'push succeeded');
  else {
    // What happens next is logged with the failure, so an operator (and the reliability suite) can
    // check the backoff actually chosen against Retry-After and the policy.
    const { code, retryable, message, retryAfterMs } = outcome.error;
    log.warn({ action, code, retryable, message, retryAfterMs, next: next.kind, ...(next.kind === 'retry' ? { retryInMs: next.delayMs } : {}) }, 'push failed');
  }
};

/**
 * Step 3 for several tasks of one tenant. Successful upserts (the common case) take two
 * statements for the whole group: one INSERT of their links, one UPDATE of their targets.
 * Deletes and failures, rare, are written one by one in the same transaction.
 */
async function recordAll(tx: Tx, deps: Deps, tenantId: string, items: Recorded[]): Promise<Next[]> {
  const links: NewLink[] = [];
  const succeeded: { id: string; remoteId: string | null; remoteStatus: string | null }[] = [];
  const out: Next[] = [];
  for (const item of items) {
    const { pair, targets, action, outcome } = item;
    if (!outcome.ok) {
      out.push(await recordFailure(tx, deps, tenantId, item, outcome.error));
      continue;
    }
    if (action === 'UPSERT' && outcome.remoteId) links.push({ tenantId, ...pair, remoteId: outcome.remoteId, variantIds: item.variantIds, pushedVersion: item.version });
    else if (action === 'DELETE') await deleteLink(tx, pair.productId, pair.connectionId);
    for (const t of targets) succeeded.push({ id: t.id, remoteId: outcome.remoteId, remoteStatus: outcome.detail ?? null });
    out.push({ kind: 'succeeded' });
  }
  await recordSucceeded(tx, links, succeeded);
  return out;
}

async function recordFailure(tx: Tx, deps: Deps, tenantId: string, item: Recorded, err: ProviderError): Promise<Next> {
  const { productId, connectionId } = item.pair;
  const ids = item.targets.map((t) => t.id);
  if (err.code === 'INVALID_GRANT') {
    await finishTargets(tx, ids, 'failed', { error: 'Connection needs to be authorized again (REAUTH_REQUIRED)' });
    return { kind: 'failed' };
  }
  const decision = decideRetry(deps.config.pushRetry, item.attempt, err);
  const message = `${err.code}: ${err.message}`.slice(0, 1000);
  if (decision.kind === 'retry') {
    await finishTargets(tx, ids, 'queued', { error: message });
    await deps.queue.send(tx, 'push-task', { tenantId, productId, connectionId }, { singletonKey: `${productId}:${connectionId}`, startAfterSeconds: decision.delayMs / 1000 });
  } else {
    await finishTargets(tx, ids, decision.kind, { error: message });
  }
  return decision;
}
