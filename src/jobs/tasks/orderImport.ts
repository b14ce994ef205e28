// Reads one provider order that an inbound event named without carrying it (Amazon's
// ORDER_CHANGE has no amounts) and stores it. Enqueued by applyOutboxEvent inside the outbox
// transaction; the provider calls happen here, outside any database transaction. A job that
// gives up (provider down past its retries) is not lost data: reconciliation (syncConnection,
// listOrders since the cursor) imports the same order on its next run.
import { connectionById } from '../../db/connections.ts';
import { upsertOrder } from '../../db/orders.ts';
import { checkOrder } from '../../domain/order.ts';
import { createConnectionContext } from '../../providers/connectionContext.ts';
import { ProviderError } from '../../providers/types.ts';
import type { Task } from '../worker.ts';

export const orderImport: Task<'order-import'> = async (deps, data) => {
  const conn = await connectionById(deps.db, data.connectionId);
  if (!conn || conn.status !== 'ACTIVE') return;
  const connector = deps.providers.get(conn.provider);
  if (connector?.fetchOrder === undefined) return;
  const log = deps.log.child({ task: 'order-import', connectionId: conn.connectionId, provider: conn.provider, externalId: data.externalId });
  try {
    const order = await connector.fetchOrder(createConnectionContext(deps, connector, conn), data.externalId);
    if (order === null) {
      log.info('order not stored: the provider does not know it or has not priced it yet');
      return;
    }
    const checked = checkOrder(order);
    if (!checked.ok) {
      log.warn({ error: checked.error }, 'order not stored: the provider sent it in a shape we cannot store');
      return;
    }
    const applied = await upsertOrder(deps.db, { tenantId: conn.tenantId, orgId: conn.orgId, connectionId: conn.id }, checked.value);
    log.info({ applied }, applied ? 'order stored' : 'order update older than the stored one; kept the newer');
  } catch (err) {
    // One order's permanent failure (a refused request) must not mark the whole connection ERROR;
    // a revoked grant already moved it to REAUTH_REQUIRED inside the connection context.
    if (err instanceof ProviderError && !err.retryable) {
      log.warn({ code: err.code, error: err.message }, 'order not stored: permanent provider error');
      return;
    }
    throw err; // transient: pg-boss retries the job with backoff
  }
};
