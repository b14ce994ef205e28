// The outbox relay: drains verified webhook events from the outbox table.
//
// Why not one queue job per event: the webhook hot path then writes two rows per
// event (the outbox row and the job) and the worker pays a job fetch + completion
// per event. Here ingress writes the outbox row only, and each worker process claims
// pending rows in batches with FOR UPDATE SKIP LOCKED (many relays share one
// database without taking the same row), applies them and commits once per batch.
//
// One batch = one transaction. Every row runs inside its own savepoint, so a row whose
// apply crashes rolls back alone: it is counted, held back for a backoff and retried,
// and parked as failed after the last attempt, while the rest of the batch commits.
import { sql } from 'drizzle-orm';
import type { Tx } from '../db/client.ts';
import { claimOutboxBatch, markOutboxFailed, markOutboxProcessed, recordOutboxAttempt, type OutboxRow } from '../db/outbox.ts';
import type { Deps } from '../deps.ts';
import { backoffMs, type RetryPolicy } from '../domain/retry.ts';
import { applyOutboxEvent, type Outcome } from './applyOutboxEvent.ts';

/** Crashes (bugs, outages mid-apply), not bad payloads: those fail at once with their reason. */
export const OUTBOX_RETRY: RetryPolicy = { baseMs: 2_000, capMs: 60_000, maxAttempts: 6 };

export interface BatchResult {
  claimed: number;
  processed: number;
  failed: number;
  retried: number;
}

type RowResult = { row: OutboxRow; outcome: Outcome } | { row: OutboxRow; crash: string; gaveUp: boolean };

async function scopeTo(tx: Tx, tenantId: string): Promise<void> {
  // Transaction-local; set before each row's work because the batch spans tenants.
  await tx.execute(sql`SELECT set_config('synq.tenant_id', ${tenantId}, true)`);
}

async function settle(deps: Deps, tx: Tx, row: OutboxRow): Promise<RowResult> {
  try {
    const outcome = await tx.transaction(async (sp) => {
      await scopeTo(sp, row.tenantId);
      const o = await applyOutboxEvent(deps, sp, row);
      if (o.ok) await markOutboxProcessed(sp, row.id);
      else await markOutboxFailed(sp, row.id, o.error);
      return o;
    });
    return { row, outcome };
  } catch (err) {
    // The savepoint rolled back this row's effects only; the batch goes on.
    const message = err instanceof Error ? err.message : String(err);
    const attempt = row.attempts + 1;
    await scopeTo(tx, row.tenantId);
    if (attempt >= OUTBOX_RETRY.maxAttempts) {
      await markOutboxFailed(tx, row.id, `gave up after ${attempt} attempts: ${message}`);
      return { row, crash: message, gaveUp: true };
    }
    await recordOutboxAttempt(tx, row.id, message, backoffMs(OUTBOX_RETRY, attempt, undefined));
    return { row, crash: message, gaveUp: false };
  }
}

/** Claims, applies and commits one batch. Safe to run concurrently from any number of processes. */
export async function processOutboxBatch(deps: Deps, limit = 100): Promise<BatchResult> {
  const results = await deps.db.transaction(async (tx) => {
    const rows = await claimOutboxBatch(tx, limit);
    const out: RowResult[] = [];
    for (const row of rows) out.push(await settle(deps, tx, row));
    return out;
  });
  // Committed: only now report, and stop this process's ingress accepting events for a
  // connection that an uninstall just disconnected (not after the cache TTL).
  const result: BatchResult = { claimed: results.length, processed: 0, failed: 0, retried: 0 };
  for (const r of results) {
    const base = { outboxId: r.row.id, eventId: r.row.eventId, event: r.row.event };
    if ('crash' in r) {
      if (r.gaveUp) {
        result.failed++;
        deps.log.error({ ...base, error: r.crash }, 'outbox event failed permanently');
      } else {
        result.retried++;
        deps.log.warn({ ...base, error: r.crash, attempt: r.row.attempts + 1 }, 'outbox event crashed; will retry');
      }
    } else if (r.outcome.ok) {
      result.processed++;
      if (r.outcome.disconnected !== undefined) deps.caches.connections.invalidate(r.outcome.disconnected);
      deps.log.debug({ ...base, note: r.outcome.note }, 'outbox event processed');
    } else {
      result.failed++;
      deps.log.warn({ ...base, error: r.outcome.error }, 'outbox event failed');
    }
  }
  deps.metrics.outboxEvents.inc({ outcome: 'processed' }, result.processed);
  deps.metrics.outboxEvents.inc({ outcome: 'failed' }, result.failed);
  deps.metrics.outboxEvents.inc({ outcome: 'retried' }, result.retried);
  return result;
}

export interface RelayOptions {
  /** Rows per claim. 100 keeps one transaction short (milliseconds) while amortising the commit. */
  batchSize?: number;
  /** Idle poll interval; an in-process ingress commit wakes the relay at once instead. */
  idleMs?: number;
  /** Pause after a failed batch (database down): the rows stay pending and are retried. */
  errorBackoffMs?: number;
}

export class OutboxRelay {
  private stopped = false;
  private wake: (() => void) | null = null;
  private pendingWake = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly deps: Deps,
    private readonly opts: RelayOptions = {},
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** New rows were committed (by this process's ingress): claim now rather than at the next poll. */
  nudge(): void {
    this.pendingWake = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  private async sleep(ms: number): Promise<void> {
    if (this.pendingWake || this.stopped) {
      this.pendingWake = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.wake = null;
        self.pendingWake = false;
        resolve();
      }
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    const batchSize = this.opts.batchSize ?? 100;
    while (!this.stopped) {
      this.pendingWake = false;
      let claimed = 0;
      try {
        claimed = (await processOutboxBatch(this.deps, batchSize)).claimed;
      } catch (err) {
        this.deps.log.error({ err }, 'outbox relay batch failed; retrying');
        await this.sleep(this.opts.errorBackoffMs ?? 1_000);
        continue;
      }
      // A full batch means there is probably more: go again without waiting.
      if (claimed < batchSize) await this.sleep(this.opts.idleMs ?? 250);
    }
  }
}
