// Pushes one product to one connection. Three short transactions around one
// provider call, never a transaction across the network:
//   1. claim every unfinished target of this product × connection (collapses bursts);
//   2. call the provider with the product's latest state;
//   3. record the outcome: link + succeeded, or queued-for-retry / failed / dead.
import { withTenant } from '../../db/client.ts';
import { connectionById } from '../../db/connections.ts';
import { getProduct } from '../../db/products.ts';
import { claimTargets, deleteLink, finishTargets, getLink, latestAction, upsertLink, type TargetRow } from '../../db/push.ts';
import { toPushProduct } from '../../domain/product.ts';
import { decideRetry, type RetryDecision } from '../../domain/retry.ts';
import type { Deps } from '../../deps.ts';
import { createConnectionContext } from '../../providers/connectionContext.ts';
import { ProviderError } from '../../providers/types.ts';
import type { Task } from '../worker.ts';

type Outcome = { ok: true; remoteId: string | null; detail?: string } | { ok: false; error: ProviderError };

export const pushTask: Task<'push-task'> = async (deps, data) => {
  const { tenantId, productId, connectionId } = data;
  const loaded = await withTenant(deps.db, tenantId, async (tx) => {
    const targets = await claimTargets(tx, productId, connectionId);
    if (targets.length === 0) return null;
    const conn = await connectionById(tx, connectionId);
    const product = conn ? await getProduct(tx, { tenantId, orgId: conn.orgId }, productId, { includeDeleted: true }) : null;
    const link = await getLink(tx, productId, connectionId);
    return { targets, conn, product, link };
  });
  if (!loaded) return; // another task already pushed the latest state for these targets
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
  const next = await record(deps, tenantId, productId, connectionId, targets, action, outcome, variantIds, product?.version ?? null, attempt);
  if (outcome.ok) log.info({ action, remoteId: outcome.remoteId, collapsed: targets.length }, 'push succeeded');
  else {
    // What happens next is logged with the failure, so an operator (and the reliability suite) can
    // check the backoff actually chosen against Retry-After and the policy.
    const { code, retryable, message, retryAfterMs } = outcome.error;
    log.warn({ action, code, retryable, message, retryAfterMs, next: next.kind, ...(next.kind === 'retry' ? { retryInMs: next.delayMs } : {}) }, 'push failed');
  }
};

async function record(
  deps: Deps,
  tenantId: string,
  productId: string,
  connectionId: string,
  targets: TargetRow[],
  action: 'UPSERT' | 'DELETE',
  outcome: Outcome,
  variantIds: Record<string, string>,
  version: number | null,
  attempt: number,
): Promise<RetryDecision | { kind: 'succeeded' }> {
  const ids = targets.map((t) => t.id);
  return withTenant(deps.db, tenantId, async (tx): Promise<RetryDecision | { kind: 'succeeded' }> => {
    if (outcome.ok) {
      if (action === 'UPSERT' && outcome.remoteId) {
        await upsertLink(tx, { tenantId, productId, connectionId, remoteId: outcome.remoteId, variantIds, pushedVersion: version });
      } else if (action === 'DELETE') {
        await deleteLink(tx, productId, connectionId);
      }
      await finishTargets(tx, ids, 'succeeded', { remoteId: outcome.remoteId, error: null, remoteStatus: outcome.detail ?? null });
      return { kind: 'succeeded' };
    }
    const err = outcome.error;
    if (err.code === 'INVALID_GRANT') {
      await finishTargets(tx, ids, 'failed', { error: 'Connection needs to be authorized again (REAUTH_REQUIRED)' });
      return { kind: 'failed' };
    }
    const decision = decideRetry(deps.config.pushRetry, attempt, err);
    const message = `${err.code}: ${err.message}`.slice(0, 1000);
    if (decision.kind === 'retry') {
      await finishTargets(tx, ids, 'queued', { error: message });
      await deps.queue.send(
        tx,
        'push-task',
        { tenantId, productId, connectionId },
        { singletonKey: `${productId}:${connectionId}`, startAfterSeconds: decision.delayMs / 1000 },
      );
    } else {
      await finishTargets(tx, ids, decision.kind, { error: message });
    }
    return decision;
  });
}
