// Applies one verified webhook event from the outbox: orders are upserted (an
// older update never overwrites a newer one), an uninstall disconnects the
// connection, anything else is recorded as seen. Pure database work, no network:
// the relay runs it inside the transaction that claimed the row, so the effect and
// the row's new status commit together and an event is applied at most once.
// An order event that only names its order (Amazon ORDER_CHANGE) enqueues an
// order-import job in that same transaction; the worker reads the order there.
import type { Tx } from '../db/client.ts';
import { InvalidTransitionError, transitionConnection } from '../db/connections.ts';
import { upsertOrder } from '../db/orders.ts';
import type { OutboxRow } from '../db/outbox.ts';
import type { Deps } from '../deps.ts';
import { checkOrder, ORDER_EVENTS, UNINSTALL_EVENT, unifiedOrderCandidate, type OrderInput } from '../domain/order.ts';
import type { Validated } from '../lib/validate.ts';
import { ProviderError, type NormalizedOrder } from '../providers/types.ts';

/** What applying an event came to; `ok: false` is a permanent, recorded failure (a bad payload), not a crash. */
export type Outcome = { ok: true; note: string; disconnected?: string } | { ok: false; error: string };

/** The event's payload: a unified envelope carries it in `data`; a provider's raw body is the payload. */
function eventData(row: OutboxRow): Validated<unknown> {
  let body: unknown;
  try {
    body = JSON.parse(row.rawBody);
  } catch {
    return { ok: false, error: 'stored body is not JSON' };
  }
  if (row.source !== 'unified') return { ok: true, value: body };
  if (typeof body !== 'object' || body === null || !('data' in body)) return { ok: false, error: 'unified envelope has no data' };
  return { ok: true, value: body.data };
}

function orderOf(deps: Deps, row: OutboxRow): Validated<OrderInput> {
  const data = eventData(row);
  if (!data.ok) return data;
  if (row.source === 'unified') {
    const candidate = unifiedOrderCandidate(data.value);
    return candidate.ok ? checkOrder(candidate.value) : candidate;
  }
  const connector = deps.providers.get(row.source);
  if (connector === undefined) return { ok: false, error: `no connector for source "${row.source}"` };
  let mapped: NormalizedOrder | null;
  try {
    mapped = connector.orderFromEvent(data.value);
  } catch (err) {
    // Mapping is pure: a ProviderError here is a payload the connector rejects, which a retry will not fix.
    if (err instanceof ProviderError) return { ok: false, error: err.message };
    throw err;
  }
  if (mapped === null) return { ok: false, error: `${row.source} ${row.event} payload is not an order` };
  return checkOrder(mapped);
}

/** For providers whose order events name the order instead of carrying it: the order to read, or null for every other source. */
function orderToFetch(deps: Deps, row: OutboxRow): Validated<string> | null {
  if (row.source === 'unified') return null;
  const connector = deps.providers.get(row.source);
  if (connector?.orderIdFromEvent === undefined || connector.fetchOrder === undefined) return null;
  const data = eventData(row);
  if (!data.ok) return data;
  const id = connector.orderIdFromEvent(data.value);
  return id === null ? { ok: false, error: `${row.source} ${row.event} names no order` } : { ok: true, value: id };
}

export async function applyOutboxEvent(deps: Deps, tx: Tx, row: OutboxRow): Promise<Outcome> {
  const toFetch = ORDER_EVENTS.has(row.event) ? orderToFetch(deps, row) : null;
  if (toFetch !== null) {
    if (!toFetch.ok) return toFetch;
    const externalId = toFetch.value;
    const job = await deps.queue.send(tx, 'order-import', { connectionId: row.connectionId, externalId }, { singletonKey: `${row.connectionId}:${externalId}` });
    return { ok: true, note: job === null ? 'order read already queued' : 'order read queued' };
  }
  if (ORDER_EVENTS.has(row.event)) {
    const order = orderOf(deps, row);
    if (!order.ok) return order;
    const applied = await upsertOrder(tx, { tenantId: row.tenantId, orgId: row.orgId, connectionId: row.connectionId }, order.value);
    return { ok: true, note: applied ? 'order stored' : 'order update older than the stored one; kept the newer' };
  }
  if (row.event === UNINSTALL_EVENT) {
    try {
      const c = await transitionConnection(tx, row.connectionId, 'DISCONNECTED');
      return c === null ? { ok: true, note: 'connection already gone' } : { ok: true, note: 'connection disconnected', disconnected: c.connectionId };
    } catch (err) {
      if (err instanceof InvalidTransitionError) return { ok: false, error: err.message };
      throw err;
    }
  }
  return { ok: true, note: 'recorded' };
}
