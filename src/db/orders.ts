// Order queries. Reads are scoped by tenant and org; the upsert is the worker's,
// scoped by the connection the event arrived on.
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Order, OrderInput } from '../domain/order.ts';
import type { Queryable } from './client.ts';
import type { Scope } from './products.ts';
import { connections, orders } from './schema.ts';

type OrderRow = typeof orders.$inferSelect;

function toOrder(r: OrderRow, publicConnectionId: string): Order {
  return {
    id: r.id,
    connectionId: publicConnectionId,
    externalId: r.externalId,
    name: r.name,
    status: r.status,
    currency: r.currency,
    total: r.total,
    lineItems: r.lineItems,
    externalCreatedAt: r.externalCreatedAt,
    externalUpdatedAt: r.externalUpdatedAt,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

export interface OrderOwner extends Scope {
  /** Internal connection uuid. */
  connectionId: string;
}

/**
 * Inserts or updates the order (connection, external id). An event older than the
 * stored one never overwrites it: the comparison runs inside the upsert, so two
 * workers applying events out of order cannot interleave a read and a write.
 * Equal timestamps apply (a redelivered event rewrites the same values).
 * Returns false when the stored order was newer and nothing changed.
 */
export async function upsertOrder(db: Queryable, owner: OrderOwner, o: OrderInput): Promise<boolean> {
  const rows = await db
    .insert(orders)
    .values({
      tenantId: owner.tenantId,
      orgId: owner.orgId,
      connectionId: owner.connectionId,
      externalId: o.externalId,
      name: o.name,
      status: o.status,
      currency: o.currency,
      total: o.total,
      lineItems: o.lineItems,
      externalCreatedAt: o.externalCreatedAt,
      externalUpdatedAt: o.externalUpdatedAt,
    })
    .onConflictDoUpdate({
      target: [orders.connectionId, orders.externalId],
      set: {
        name: sql`excluded.name`,
        status: sql`excluded.status`,
        currency: sql`excluded.currency`,
        total: sql`excluded.total`,
        lineItems: sql`excluded.line_items`,
        // A later event without created_at keeps the one we have.
        externalCreatedAt: sql`coalesce(excluded.external_created_at, ${orders.externalCreatedAt})`,
        externalUpdatedAt: sql`excluded.external_updated_at`,
        updatedAt: sql`now()`,
      },
      setWhere: sql`${orders.externalUpdatedAt} <= excluded.external_updated_at`,
    })
    .returning({ id: orders.id });
  return rows.length > 0;
}

const withConnection = { order: orders, publicConnectionId: connections.connectionId };

/** Newest first (by when Synq first saw the order). */
export async function listOrders(db: Queryable, scope: Scope, limit: number, offset: number): Promise<Order[]> {
  const rows = await db
    .select(withConnection)
    .from(orders)
    .innerJoin(connections, eq(connections.id, orders.connectionId))
    .where(and(eq(orders.tenantId, scope.tenantId), eq(orders.orgId, scope.orgId)))
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(limit)
    .offset(offset);
  return rows.map((r) => toOrder(r.order, r.publicConnectionId));
}

export async function getOrder(db: Queryable, scope: Scope, id: string): Promise<Order | null> {
  const [r] = await db
    .select(withConnection)
    .from(orders)
    .innerJoin(connections, eq(connections.id, orders.connectionId))
    .where(and(eq(orders.id, id), eq(orders.tenantId, scope.tenantId), eq(orders.orgId, scope.orgId)));
  return r ? toOrder(r.order, r.publicConnectionId) : null;
}

/** By (connection, external id), for the worker and tests. */
export async function orderByExternalId(db: Queryable, connectionId: string, externalId: string): Promise<OrderRow | null> {
  const [r] = await db
    .select()
    .from(orders)
    .where(and(eq(orders.connectionId, connectionId), eq(orders.externalId, externalId)));
  return r ?? null;
}
