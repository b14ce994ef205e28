// Connection queries. Status changes only through transitionConnection (the
// transition table in domain/connectionLifecycle.ts).
import { and, eq, inArray, sql } from 'drizzle-orm';
import { canTransition, type ConnectionStatus } from '../domain/connectionLifecycle.ts';
import type { Queryable } from './client.ts';
import { connections } from './schema.ts';
import type { Scope } from './products.ts';

export type ConnectionRow = typeof connections.$inferSelect;

export interface ConnectionJson {
  id: string;
  connection_id: string;
  unified_connection_id: string;
  provider: string;
  category: string;
  status: ConnectionStatus;
  created_at: string;
  updated_at: string;
  last_synced_at: string | null;
}

export function connectionToJson(c: ConnectionRow): ConnectionJson {
  return {
    id: c.id,
    connection_id: c.connectionId,
    unified_connection_id: c.connectionId,
    provider: c.provider,
    category: c.category,
    status: c.status,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
    last_synced_at: c.lastSyncedAt ? c.lastSyncedAt.toISOString() : null,
  };
}

export async function insertConnection(db: Queryable, row: typeof connections.$inferInsert): Promise<ConnectionRow> {
  const [r] = await db.insert(connections).values(row).returning();
  return r!;
}

/** By public id (conn_…), across tenants: the webhook ingress path, scoped by the connection itself. */
export async function connectionByPublicId(db: Queryable, connectionId: string): Promise<ConnectionRow | null> {
  const [r] = await db.select().from(connections).where(eq(connections.connectionId, connectionId));
  return r ?? null;
}

export async function connectionById(db: Queryable, id: string): Promise<ConnectionRow | null> {
  const [r] = await db.select().from(connections).where(eq(connections.id, id));
  return r ?? null;
}

export async function tenantConnectionByPublicId(db: Queryable, scope: Scope, connectionId: string): Promise<ConnectionRow | null> {
  const [r] = await db
    .select()
    .from(connections)
    .where(and(eq(connections.connectionId, connectionId), eq(connections.tenantId, scope.tenantId), eq(connections.orgId, scope.orgId)));
  return r ?? null;
}

export async function tenantConnectionById(db: Queryable, scope: Scope, id: string): Promise<ConnectionRow | null> {
  const [r] = await db
    .select()
    .from(connections)
    .where(and(eq(connections.id, id), eq(connections.tenantId, scope.tenantId), eq(connections.orgId, scope.orgId)));
  return r ?? null;
}

export async function listTenantConnections(db: Queryable, scope: Scope, statuses: ConnectionStatus[] | 'all'): Promise<ConnectionRow[]> {
  const conds = [eq(connections.tenantId, scope.tenantId), eq(connections.orgId, scope.orgId)];
  if (statuses !== 'all') conds.push(inArray(connections.status, statuses));
  return db.select().from(connections).where(and(...conds)).orderBy(connections.createdAt, connections.id);
}

/** ACTIVE connections of a provider account (Shopify: a shop domain), for provider-native webhooks. */
export async function activeConnectionsByAccount(db: Queryable, provider: string, account: string): Promise<ConnectionRow[]> {
  return db
    .select()
    .from(connections)
    .where(and(eq(connections.provider, provider), eq(connections.account, account), eq(connections.status, 'ACTIVE')));
}

type StatusListener = (row: ConnectionRow) => void;
const statusListeners = new Set<StatusListener>();

/**
 * Called after transitionConnection changed a status in this process (before the
 * surrounding transaction commits: listeners may only drop cached state, never act
 * on the new status). Returns the unsubscribe function.
 */
export function onConnectionStatusChange(listener: StatusListener): () => void {
  statusListeners.add(listener);
  return () => statusListeners.delete(listener);
}

export class InvalidTransitionError extends Error {
  constructor(from: ConnectionStatus, to: ConnectionStatus) {
    super(`Connection cannot go from ${from} to ${to}`);
    this.name = 'InvalidTransitionError';
  }
}

/**
 * Moves a connection to `to` if the transition table allows it from its current
 * status; compare-and-set on the status so two racing writers cannot both win.
 * Returns the updated row, or null when it no longer exists.
 */
export async function transitionConnection(
  db: Queryable,
  id: string,
  to: ConnectionStatus,
  extra: { lastError?: string | null } = {},
): Promise<ConnectionRow | null> {
  for (let i = 0; i < 3; i++) {
    const current = await connectionById(db, id);
    if (!current) return null;
    if (!canTransition(current.status, to)) throw new InvalidTransitionError(current.status, to);
    const [r] = await db
      .update(connections)
      .set({ status: to, updatedAt: new Date(), ...(extra.lastError !== undefined ? { lastError: extra.lastError } : {}) })
      .where(and(eq(connections.id, id), eq(connections.status, current.status)))
      .returning();
    if (r) {
      if (current.status !== r.status) for (const listener of statusListeners) listener(r);
      return r;
    }
  }
  throw new Error('Connection status kept changing underneath the transition');
}

export async function touchSynced(db: Queryable, id: string, cursor: Record<string, string | null>): Promise<void> {
  await db
    .update(connections)
    .set({ lastSyncedAt: new Date(), syncCursor: cursor, updatedAt: new Date() })
    .where(eq(connections.id, id));
}

export async function setWebhookSubscriptions(db: Queryable, id: string, subs: { id: string; topic: string }[]): Promise<void> {
  await db.update(connections).set({ webhookSubscriptions: subs, updatedAt: sql`now()` }).where(eq(connections.id, id));
}

