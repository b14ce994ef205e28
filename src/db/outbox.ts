// Outbox queries: verified webhook events in, claimed and settled by the worker.
import { and, eq, sql } from 'drizzle-orm';
import { rowsOf, type Queryable } from './client.ts';
import { outbox } from './schema.ts';

export type OutboxRow = typeof outbox.$inferSelect;

export interface NewOutboxEvent {
  eventId: string;
  /** Internal connection uuid. */
  connectionId: string;
  source: string;
  event: string;
  dedupeKey: string;
  rawBody: string;
}

export type InsertOutcome =
  | { kind: 'inserted'; id: number; eventId: string }
  | { kind: 'duplicate'; id: number; eventId: string }
  /** The connection does not exist or is not ACTIVE (any more): nothing was stored. */
  | { kind: 'inactive' };

/** Tenant of a row, read before claiming so the claim can run inside the tenant's scope. */
export async function outboxTenant(db: Queryable, id: number): Promise<string | null> {
  const [r] = await db.select({ tenantId: outbox.tenantId }).from(outbox).where(eq(outbox.id, id));
  return r?.tenantId ?? null;
}

/**
 * Locks a pending row for the rest of the transaction. SKIP LOCKED: a second worker
 * holding a duplicate job gets null instead of waiting, and once the first commits
 * the row is no longer pending, so no row is ever processed twice.
 */
export async function claimOutboxRow(db: Queryable, id: number): Promise<OutboxRow | null> {
  const [r] = await db
    .select()
    .from(outbox)
    .where(and(eq(outbox.id, id), eq(outbox.status, 'pending')))
    .for('update', { skipLocked: true });
  return r ?? null;
}

export async function markOutboxProcessed(db: Queryable, id: number): Promise<void> {
  await db
    .update(outbox)
    .set({ status: 'processed', processedAt: sql`now()`, error: null, attempts: sql`${outbox.attempts} + 1` })
    .where(eq(outbox.id, id));
}

/** Parks a still-pending row as failed with its reason (a processed row stays processed). */
export async function markOutboxFailed(db: Queryable, id: number, error: string): Promise<void> {
  await db
    .update(outbox)
    .set({ status: 'failed', error: error.slice(0, 2000), attempts: sql`${outbox.attempts} + 1` })
    .where(and(eq(outbox.id, id), eq(outbox.status, 'pending')));
}

/** An attempt that crashed (the job will be retried): count it and keep the reason, leave the row pending. */
export async function recordOutboxAttempt(db: Queryable, id: number, error: string): Promise<void> {
  await db
    .update(outbox)
    .set({ error: error.slice(0, 2000), attempts: sql`${outbox.attempts} + 1` })
    .where(and(eq(outbox.id, id), eq(outbox.status, 'pending')));
}

export async function outboxById(db: Queryable, id: number): Promise<OutboxRow | null> {
  const [r] = await db.select().from(outbox).where(eq(outbox.id, id));
  return r ?? null;
}
