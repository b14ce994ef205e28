// Background sync of one connection: links the store's products to Synq products
// by SKU and imports orders updated since the last cursor. The initial run after a
// connection is saved and the periodic reconciliation are the same code — provider
// webhooks are not guaranteed, so reconciliation is what makes the data converge.
import { connectionById, touchSynced, transitionConnection } from '../../db/connections.ts';
import { upsertOrder } from '../../db/orders.ts';
import { checkOrder } from '../../domain/order.ts';
import { productIdsBySku } from '../../db/products.ts';
import { getLink, upsertLink } from '../../db/push.ts';
import { queueInitialPush } from '../../db/pushBatches.ts';
import { withTenant } from '../../db/client.ts';
import { createConnectionContext } from '../../providers/connectionContext.ts';
import { ProviderError } from '../../providers/types.ts';
import type { Task } from '../worker.ts';

/** First import reaches this far back for orders (Shopify's default read_orders window is 60 days). */
const INITIAL_ORDER_WINDOW_MS = 60 * 24 * 3600 * 1000;
/** Upper bound of pages per run, so one huge store cannot hold a worker for ever; the cursor resumes. */
const MAX_PAGES = 200;

export const syncConnection: Task<'sync-connection'> = async (deps, data, ctx) => {
  const conn = await connectionById(deps.db, data.connectionId);
  if (!conn || conn.status !== 'ACTIVE') return;
  const connector = deps.providers.get(conn.provider);
  if (!connector) return;
  const log = deps.log.child({ task: 'sync', connectionId: conn.connectionId, provider: conn.provider, initial: data.initial });
  const cctx = createConnectionContext(deps, connector, conn);
  const started = Date.now();
  let linked = 0;
  let orders = 0;
  const since = conn.syncCursor.ordersUpdatedSince ?? new Date(Date.now() - INITIAL_ORDER_WINDOW_MS).toISOString();
  let newestOrder = since;
  try {
    if (data.initial || !conn.lastSyncedAt) {
      let cursor: string | null = null;
      for (let page = 0; page < MAX_PAGES && !ctx.signal.aborted; page++) {
        const res = await connector.listProducts(cctx, cursor);
        const bySku = await productIdsBySku(deps.db, conn.tenantId, res.items.flatMap((p) => p.skus));
        for (const remote of res.items) {
          const productId = remote.skus.map((s) => bySku.get(s)).find((id) => id !== undefined);
          if (!productId || (await getLink(deps.db, productId, conn.id))) continue;
          await upsertLink(deps.db, { tenantId: conn.tenantId, productId, connectionId: conn.id, remoteId: remote.remoteId, variantIds: {}, pushedVersion: null });
          linked++;
        }
        cursor = res.nextCursor;
        if (!cursor) break;
      }
    }
    if (data.initial && !ctx.signal.aborted) {
      // The tenant's catalog goes out through the bulk path (push-bulk), after linking so that
      // products the store already has are updated, not duplicated.
      const batch = await withTenant(deps.db, conn.tenantId, async (tx) => {
        const queued = await queueInitialPush(tx, { tenantId: conn.tenantId, orgId: conn.orgId }, conn.id);
        if (queued) await deps.queue.send(tx, 'push-bulk', { tenantId: conn.tenantId, connectionId: conn.id, batchId: queued.batchId }, { singletonKey: conn.id });
        return queued;
      });
      if (batch) log.info({ batchId: batch.batchId, products: batch.products }, 'initial catalog push queued');
    }
    let cursor: string | null = null;
    for (let page = 0; page < MAX_PAGES && !ctx.signal.aborted; page++) {
      const res = await connector.listOrders(cctx, since, cursor);
      for (const o of res.items) {
        const checked = checkOrder(o);
        if (!checked.ok) {
          log.warn({ externalId: o.externalId, error: checked.error }, 'skipping order the provider sent in a shape we cannot store');
          continue;
        }
        await upsertOrder(deps.db, { tenantId: conn.tenantId, orgId: conn.orgId, connectionId: conn.id }, checked.value);
        if (o.updatedAt > newestOrder) newestOrder = o.updatedAt;
        orders++;
      }
      cursor = res.nextCursor;
      if (!cursor) break;
    }
    await touchSynced(deps.db, conn.id, { ...conn.syncCursor, ordersUpdatedSince: newestOrder });
    if (conn.status !== 'ACTIVE') await transitionConnection(deps.db, conn.id, 'ACTIVE', { lastError: null });
    log.info({ linked, orders, ms: Date.now() - started }, 'sync finished');
  } catch (err) {
    if (err instanceof ProviderError && !err.retryable) {
      // invalid_grant already moved the connection to REAUTH_REQUIRED; other permanent errors mark it ERROR.
      if (err.code !== 'INVALID_GRANT') await transitionConnection(deps.db, conn.id, 'ERROR', { lastError: `${err.code}: ${err.message}` }).catch(() => null);
      deps.caches.connections.invalidate(conn.connectionId);
      log.warn({ code: err.code }, 'sync stopped: permanent provider error');
      return;
    }
    throw err; // transient: pg-boss retries the job with backoff
  }
};
