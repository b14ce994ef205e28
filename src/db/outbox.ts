// Outbox queries: verified webhook events in, claimed and settled by the worker.
import { and, asc, eq, lte, sql } from 'drizzle-orm';
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

/**
 * Locks up to `limit` pending rows that are due, oldest first, for the rest of the
 * transaction. SKIP LOCKED: concurrent relays (several worker processes) take disjoint
 * batches instead of waiting on each other, and a row settled by one commit is no longer
 * pending for the next claim, so no row is applied twice.
 * Runs in the system scope: the batch spans tenants.
 */
export async function claimOutboxBatch(db: Queryable, limit: number): Promise<OutboxRow[]> {
  return db
    .select()
    .from(outbox)
    .where(and(eq(outbox.status, 'pending'), lte(outbox.nextAttemptAt, sql`now()`)))
    .orderBy(asc(outbox.id))
    .limit(limit)
    .for('update', { skipLocked: true });
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

/** An attempt that crashed: count it, keep the reason, and hold the row back for `delayMs` before the next claim. */
export async function recordOutboxAttempt(db: Queryable, id: number, error: string, delayMs: number): Promise<void> {
  await db
    .update(outbox)
    .set({
      error: error.slice(0, 2000),
      attempts: sql`${outbox.attempts} + 1`,
      nextAttemptAt: sql`now() + make_interval(secs => ${delayMs / 1000}::double precision)`,
    })
    .where(and(eq(outbox.id, id), eq(outbox.status, 'pending')));
}

/** Pending rows (all tenants): the relay's backlog, for metrics and readiness. */
export async function outboxBacklog(db: Queryable): Promise<number> {
  const r = await db.execute(sql`SELECT count(*)::int AS n FROM outbox WHERE status = 'pending'`);
  return Number(rowsOf<{ n: number }>(r)[0]?.n ?? 0);
}

export async function outboxById(db: Queryable, id: number): Promise<OutboxRow | null> {
  const [r] = await db.select().from(outbox).where(eq(outbox.id, id));
  return r ?? null;
}
