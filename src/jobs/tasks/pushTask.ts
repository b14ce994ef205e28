// Pushes a connection's product pushes. One task per connection (not one per product ×
// connection) drains what is queued for it, a chunk of products at a time:
//   1. claim every unfinished target of up to CHUNK products under a lease, and read those
//      products and their links (one short transaction);
//   2. call the provider with each product's latest state: the upserts in one call where the
//      provider takes several at once (Connector.upsertMany), otherwise one call per product;
//   3. record each outcome (link + succeeded, queued for retry until its backoff ends, failed or
//      dead) through the tenant's group commit: outcomes that come back together share one
//      transaction, and a stalled call delays only its own record.
// Never a transaction across the network.
//
// Why per connection: a task per pair cost a queue job (fetch + complete) and, even grouped, about
// 6.5 SQL statements per pushed product; the fan-out bench spent most of its CPU on them. A chunk
// pays its claim, reads and records once: about one statement per product.
//
// Crash safety rests on the lease, not on the queue: a claimed product is leased for LEASE_SECONDS,
// renewed every RENEW_MS while its call runs; no call starts unless the lease outlasts it by
// CALL_BUDGET_MS. So a second copy of this task (pg-boss reruns a job whose worker stopped
// heart-beating, perhaps only starved of CPU) cannot take a product the first copy may still be
// creating. A worker that dies leaves its products leased; once the lease ends, the next pass
// claims them with attempts + 1 and looks each up by SKU before creating it again.
import { setTimeout as sleep } from 'node:timers/promises';
import { withTenant, type Tx } from '../../db/client.ts';
import { connectionById, type ConnectionRow } from '../../db/connections.ts';
import { getProductsByIds } from '../../db/products.ts';
import {
  claimDrainTargets,
  deleteLink,
  finishTargets,
  latestAction,
  nextDrainWakeSeconds,
  renewLeases,
  targetFinish,
  type DrainScope,
  type TargetFinish,
  type TargetRow,
} from '../../db/push.ts';
import { linksFor, upsertLinks } from '../../db/pushBatches.ts';
import { toPushProduct, type Product } from '../../domain/product.ts';
import { nextForTarget, type TargetNext } from '../../domain/pushOutcome.ts';
import type { Deps } from '../../deps.ts';
import { KeyedGroupCommit } from '../../lib/groupCommit.ts';
import type { Logger } from '../../lib/logger.ts';
import { createConnectionContext } from '../../providers/connectionContext.ts';
import { ProviderError, type ConnectionContext, type Connector } from '../../providers/types.ts';
import type { Task } from '../worker.ts';

/**
 * Products per claim. Claiming is the task's main cost in the database (a claim, the products,
 * their links, a transaction), so it is paid per chunk, not per product: the push fan-out bench
 * (2,000 × 3 on PostgreSQL, two runs each) went from 1.46 SQL statements per task and 0.45–0.47×
 * of pg-boss at 8 products to 0.78 and 0.49–0.65× at 16, 0.49–0.58 and 0.61–0.64× at 32.
 * Upserts a provider takes several at a time go out in one call (Shopify's aliased productSet
 * keeps each document under its query-cost limit; WooCommerce's batch takes 100).
 */
export const CHUNK = 32;
/**
 * Calls in flight per loop where each product is its own call (Amazon, deletes): the rest of
 * the chunk waits its turn under the same lease, which is renewed while any of its calls runs.
 */
const CALLS_IN_FLIGHT = 8;
/** Claim-call-record loops per task: while one loop records and claims, the other's calls run. */
const LOOPS = 2;
/**
 * How long a claimed product is held, and so how long a dead worker's products wait before
 * another pass takes them. Renewed every RENEW_MS while the product's call runs.
 */
export const LEASE_SECONDS = 45;
const RENEW_MS = 5_000;
/**
 * No call starts unless the lease outlasts it by this much: a provider call's deadline (30 s)
 * and some slack. A live worker renews long before; one starved of CPU for over 13 s stops
 * starting calls rather than risk one that outlives its lease.
 */
const CALL_BUDGET_MS = 32_000;
/**
 * A task stops claiming after this long and hands its connection to a fresh job: connections
 * take turns on the worker loops, and a backlog moves between worker processes.
 */
const PASS_MS = 5_000;

/**
 * How long a pass that has claimed products goes on looking for more after finding none, and
 * how often. The push fan-out bench at 200 × 3 on PostgreSQL (a burst that outran the first
 * claims) waited ~1 s per product for the queue's next poll without it.
 */
const LINGER_MS = 300;
const LINGER_POLL_MS = 50;

type Outcome = { ok: true; remoteId: string | null; variantIds: Record<string, string>; detail: string | null } | { ok: false; error: ProviderError };

interface Claimed {
  productId: string;
  targets: TargetRow[];
  product: Product | null;
  /** The remote id this product is linked to on the connection, if it was pushed before. */
  remoteId: string | null;
}

interface Recorded {
  claimed: Claimed;
  connectionId: string;
  action: 'UPSERT' | 'DELETE';
  attempt: number;
  outcome: Outcome;
}

/** What became of a push: its outcome recorded (for a failure, with the retry policy's verdict). */
type Next = { kind: 'succeeded' } | Exclude<TargetNext, { kind: 'succeeded' }>;
type NewLinkRow = Parameters<typeof upsertLinks>[3][number];

/** One batcher per process (per Deps), keyed by tenant: the records of one tenant that come back together share a transaction. */
const batchers = new WeakMap<Deps, KeyedGroupCommit<Recorded, Next>>();

export function pushRecorder(deps: Deps): KeyedGroupCommit<Recorded, Next> {
  let b = batchers.get(deps);
  if (!b) {
    b = new KeyedGroupCommit((tenantId, items) => withTenant(deps.db, tenantId, (tx) => recordAll(tx, deps, tenantId, items)));
    batchers.set(deps, b);
  }
  return b;
}

export const pushTask: Task<'push-task'> = async (deps, data, tctx) => {
  const conn = await connectionById(deps.db, data.connectionId);
  if (!conn || conn.tenantId !== data.tenantId) return; // deleted: its targets went with it (ON DELETE CASCADE)
  const connector = deps.providers.get(conn.provider);
  const scope: DrainScope = connector?.bulkUpsert && connector.facts.bulkPush ? 'single' : 'all';
  const log = deps.log.child({ task: 'push', connectionId: conn.connectionId, provider: conn.provider });
  if (conn.status !== 'ACTIVE' || !connector) {
    const error = connector ? `Connection is ${conn.status}` : `Provider ${conn.provider} is not available`;
    for (;;) {
      const claimed = await withTenant(deps.db, conn.tenantId, (tx) => claimDrainTargets(tx, conn.id, scope, 500, 60));
      if (claimed.length === 0) return;
      await withTenant(deps.db, conn.tenantId, (tx) => finishTargets(tx, claimed.map((t) => targetFinish(t.id, 'failed', { error }))));
    }
  }
  const ctx = createConnectionContext(deps, connector, conn);
  const passEnds = Date.now() + PASS_MS;
  let products = 0;
  let lastClaimed = 0;
  const loop = async () => {
    while (!tctx.signal.aborted && Date.now() < passEnds) {
      const claimedAt = Date.now();
      const chunk = await withTenant(deps.db, conn.tenantId, (tx) => claimChunk(tx, conn, scope));
      if (chunk.length === 0) {
        // A pass that is draining a burst waits a moment for the burst's next pushes rather than
        // ending: those queued a fresh task, which waits for the queue's next poll (up to a second).
        if (products === 0 || Date.now() - lastClaimed > LINGER_MS) return;
        await sleep(LINGER_POLL_MS);
        continue;
      }
      products += chunk.length;
      lastClaimed = Date.now();
      await pushChunk(deps, log, conn, connector, ctx, chunk, claimedAt);
    }
  };
  await Promise.all(Array.from({ length: LOOPS }, loop));
  // What is left: a backlog past this pass, retries waiting out their backoff, products a dead
  // task or a bulk call still leases. The next pass starts when the first of them is due; one
  // that found nothing to claim waits at least a second, so a product another holder keeps
  // leased past its lease's end is not polled back to back.
  const wake = await withTenant(deps.db, conn.tenantId, (tx) => nextDrainWakeSeconds(tx, conn.id, scope));
  if (wake !== null) {
    const startAfterSeconds = products === 0 ? Math.max(1, wake) : wake;
    await deps.queue.send(deps.db, 'push-task', { tenantId: conn.tenantId, connectionId: conn.id }, { singletonKey: wakeKey(conn.id, startAfterSeconds), startAfterSeconds });
  }
  if (products > 0) log.debug({ products, nextWakeSeconds: wake }, 'push pass finished');
};

/**
 * The queue keeps one waiting job per key and drops a send that finds one. A pass due now takes
 * the connection's own key, as the push route does. A later one is keyed by the second it is due:
 * under the connection's key, a wake an hour away (a dead task's lease, a long Retry-After) would
 * hold the slot and swallow every push and every earlier retry until then.
 */
function wakeKey(connectionId: string, startAfterSeconds: number): string {
  return startAfterSeconds <= 0 ? connectionId : `${connectionId}@${Math.ceil(Date.now() / 1000 + startAfterSeconds)}`;
}

/** Step 1: claim a chunk and read its products and links, in the caller's transaction. */
async function claimChunk(tx: Tx, conn: ConnectionRow, scope: DrainScope): Promise<Claimed[]> {
  const targets = await claimDrainTargets(tx, conn.id, scope, CHUNK, LEASE_SECONDS);
  if (targets.length === 0) return [];
  const byProduct = new Map<string, TargetRow[]>();
  for (const t of targets) byProduct.set(t.productId, [...(byProduct.get(t.productId) ?? []), t]);
  const ids = [...byProduct.keys()];
  const products = await getProductsByIds(tx, conn.tenantId, ids);
  const links = await linksFor(tx, conn.id, ids);
  return ids.map((productId) => {
    const product = products.get(productId);
    return {
      productId,
      targets: byProduct.get(productId)!,
      product: product && product.orgId === conn.orgId ? product : null,
      remoteId: links.get(productId) ?? null,
    };
  });
}

/**
 * The chunk's lease: renewed every RENEW_MS while any of its calls runs. A renewal that fails
 * (database down, process starved) is not fatal; allowsCall() then stops new calls once the
 * lease could end before they do.
 */
class ChunkLease {
  private until: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly deps: Deps,
    private readonly log: Logger,
    private readonly tenantId: string,
    private readonly ids: string[],
    claimedAt: number,
  ) {
    this.until = claimedAt + LEASE_SECONDS * 1000;
    this.timer = setInterval(() => void this.renew(), RENEW_MS);
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    const started = Date.now();
    try {
      await withTenant(this.deps.db, this.tenantId, (tx) => renewLeases(tx, this.ids, LEASE_SECONDS));
      this.until = started + LEASE_SECONDS * 1000;
    } catch (err) {
      this.log.warn({ err }, 'could not renew the lease of a push chunk');
    }
  }

  allowsCall(): boolean {
    return this.until - Date.now() >= CALL_BUDGET_MS;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * Steps 2 and 3 for one chunk: every product's call at once, each recorded as it comes back.
 * Upserts go out together in one call where the provider takes several (Connector.upsertMany);
 * deletes, and every push to a provider without such a call, one product per call.
 */
async function pushChunk(deps: Deps, log: Logger, conn: ConnectionRow, connector: Connector, ctx: ConnectionContext, chunk: Claimed[], claimedAt: number): Promise<void> {
  const lease = new ChunkLease(deps, log, conn.tenantId, chunk.flatMap((c) => c.targets.map((t) => t.id)), claimedAt);
  const recorder = pushRecorder(deps);
  const record = async (claimed: Claimed, outcome: Outcome) => {
    const action = latestAction(claimed.targets);
    const attempt = attemptOf(claimed);
    const next = await recorder.submit(conn.tenantId, { claimed, connectionId: conn.id, action, attempt, outcome });
    logOutcome(log, claimed, action, attempt, outcome, next);
  };
  const together = connector.upsertMany ? chunk.filter((c) => latestAction(c.targets) === 'UPSERT' && c.product !== null && !c.product.deletedAt) : [];
  const alone = together.length > 1 ? chunk.filter((c) => !together.includes(c)) : chunk;
  try {
    const waiting = [...alone];
    const oneByOne = async () => {
      for (let claimed = waiting.shift(); claimed; claimed = waiting.shift()) {
        // Left leased: the next claim after the lease ends pushes it (with attempts + 1).
        if (!lease.allowsCall()) continue;
        await record(claimed, await pushOne(connector, ctx, log, claimed, latestAction(claimed.targets), attemptOf(claimed)));
      }
    };
    await Promise.all([
      ...Array.from({ length: Math.min(CALLS_IN_FLIGHT, alone.length) }, oneByOne),
      together.length > 1 && lease.allowsCall() ? pushTogether(connector, ctx, log, together, record) : Promise.resolve(),
    ]);
  } finally {
    lease.stop();
  }
}

const attemptOf = (c: Claimed) => Math.max(...c.targets.map((t) => t.attempts));

/** Step 2 for several upserts in one provider call (Connector.upsertMany), each recorded with its own outcome. */
async function pushTogether(connector: Connector, ctx: ConnectionContext, log: Logger, claimed: Claimed[], record: (c: Claimed, o: Outcome) => Promise<void>): Promise<void> {
  const upsertMany = connector.upsertMany!.bind(connector);
  const known = new Map<string, string>();
  const outcomes = new Map<string, Outcome>();
  // As in pushOne: a product an earlier attempt may have created is looked up by SKU first.
  await Promise.all(
    claimed.map(async (c) => {
      if (c.remoteId !== null) known.set(c.productId, c.remoteId);
      else if (attemptOf(c) > 1) {
        try {
          const found = await connector.findRemoteProduct(ctx, c.product!.variants.map((v) => v.sku));
          if (found !== null) known.set(c.productId, found);
        } catch (err) {
          outcomes.set(c.productId, failure(log, c.productId, err));
        }
      }
    }),
  );
  const todo = claimed.filter((c) => !outcomes.has(c.productId));
  if (todo.length > 0) {
    try {
      for (const r of await upsertMany(ctx, todo.map((c) => toPushProduct(c.product!)), known)) {
        outcomes.set(r.productId, r.ok ? { ok: true, remoteId: r.result.remoteId, variantIds: r.result.variantIds, detail: r.result.detail ?? null } : { ok: false, error: r.error });
      }
    } catch (err) {
      // The whole call failed (429, 5xx, timeout): that is every product's outcome.
      for (const c of todo) outcomes.set(c.productId, failure(log, c.productId, err));
    }
  }
  const missing: Outcome = { ok: false, error: new ProviderError('PROTOCOL', 'No outcome for this product', { retryable: true }) };
  await Promise.all(claimed.map((c) => record(c, outcomes.get(c.productId) ?? missing)));
}

function failure(log: Logger, productId: string, err: unknown): Outcome {
  if (!(err instanceof ProviderError)) log.error({ err, productId }, 'unexpected error in push; retrying as transient');
  return { ok: false, error: err instanceof ProviderError ? err : new ProviderError('UNAVAILABLE', 'Internal error during push', { retryable: true }) };
}

/** Step 2 for one product: the provider call, its failure as a value. */
async function pushOne(connector: Connector, ctx: ConnectionContext, log: Logger, claimed: Claimed, action: 'UPSERT' | 'DELETE', attempt: number): Promise<Outcome> {
  const { product, remoteId } = claimed;
  try {
    if (action === 'UPSERT') {
      if (!product || product.deletedAt) throw new ProviderError('VALIDATION', 'Product was deleted; push DELETE instead');
      // A previous attempt may have created the product and died before recording it:
      // look it up by SKU before creating it again.
      const known = remoteId ?? (attempt > 1 ? await connector.findRemoteProduct(ctx, product.variants.map((v) => v.sku)) : null);
      const res = await connector.upsertProduct(ctx, toPushProduct(product), known);
      return { ok: true, remoteId: res.remoteId, variantIds: res.variantIds, detail: res.detail ?? null };
    }
    const skus = product?.variants.map((v) => v.sku) ?? [];
    const known = remoteId ?? (skus.length ? await connector.findRemoteProduct(ctx, skus) : null);
    if (known) await connector.deleteProduct(ctx, known);
    return { ok: true, remoteId: known, variantIds: {}, detail: null };
  } catch (err) {
    return failure(log, claimed.productId, err);
  }
}

function logOutcome(log: Logger, claimed: Claimed, action: 'UPSERT' | 'DELETE', attempt: number, outcome: Outcome, next: Next): void {
  const fields = { productId: claimed.productId, attempt, action };
  if (outcome.ok) {
    log.info({ ...fields, remoteId: outcome.remoteId, collapsed: claimed.targets.length }, 'push succeeded');
    return;
  }
  // What happens next is logged with the failure, so an operator (and the reliability suite) can
  // check the backoff actually chosen against Retry-After and the policy.
  const { code, retryable, message, retryAfterMs } = outcome.error;
  log.warn({ ...fields, code, retryable, message, retryAfterMs, next: next.kind, ...(next.kind === 'retry' ? { retryInMs: next.delayMs } : {}) }, 'push failed');
}

/**
 * Step 3 for the outcomes of one tenant that came back together: the links of the upserts in
 * one statement, every target's new state in another (a retry stays leased until its backoff
 * ends, so no task claims it early). Deletes, rare, drop their links one by one.
 */
async function recordAll(tx: Tx, deps: Deps, tenantId: string, items: Recorded[]): Promise<Next[]> {
  const finishes: TargetFinish[] = [];
  const links = new Map<string, NewLinkRow & { connectionId: string }>();
  const out: Next[] = [];
  for (const { claimed, connectionId, action, attempt, outcome } of items) {
    const ids = claimed.targets.map((t) => t.id);
    if (outcome.ok) {
      if (action === 'UPSERT' && outcome.remoteId) {
        links.set(`${claimed.productId}:${connectionId}`, { connectionId, productId: claimed.productId, remoteId: outcome.remoteId, variantIds: outcome.variantIds, pushedVersion: claimed.product?.version ?? null });
      } else if (action === 'DELETE') await deleteLink(tx, claimed.productId, connectionId);
      for (const id of ids) finishes.push(targetFinish(id, 'succeeded', { remoteId: outcome.remoteId, remoteStatus: outcome.detail }));
      out.push({ kind: 'succeeded' });
      continue;
    }
    // The same rules as a bulk push's targets: re-authorization needed fails, the rest per the retry policy.
    const next = nextForTarget(deps.config.pushRetry, attempt, { productId: claimed.productId, ok: false, error: outcome.error });
    if (next.kind === 'succeeded') throw new Error('unreachable: a failed outcome never succeeds');
    for (const id of ids) {
      finishes.push(next.kind === 'retry' ? targetFinish(id, 'queued', { error: next.error, retryInMs: next.delayMs }) : targetFinish(id, next.kind, { error: next.error }));
    }
    out.push(next);
  }
  const byConnection = new Map<string, NewLinkRow[]>();
  for (const l of links.values()) byConnection.set(l.connectionId, [...(byConnection.get(l.connectionId) ?? []), l]);
  for (const [connectionId, rows] of byConnection) await upsertLinks(tx, tenantId, connectionId, rows);
  await finishTargets(tx, finishes);
  return out;
}
