// Enqueue options reach pg-boss as meant: a delay keeps its milliseconds (full-jitter
// backoff depends on it) and push tasks carry their tenant as group (the worker caps
// one tenant's tasks in flight with it).
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../db/client.ts';
import { waitFor } from '../../test/e2e/flow.ts';
import { JobQueue } from './queue.ts';
import { startService, type TestService } from '../../test/harness.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.close();
});

async function job(id: string): Promise<{ delayMs: number; groupId: string | null }> {
  const rows = rowsOf<{ delay_ms: number | string; group_id: string | null }>(
    await svc.deps.db.execute(sql`SELECT (extract(epoch FROM start_after - created_on) * 1000)::float8 AS delay_ms, group_id FROM pgboss.job WHERE id = ${id}::uuid`),
  );
  expect(rows).toHaveLength(1);
  return { delayMs: Number(rows[0]!.delay_ms), groupId: rows[0]!.group_id };
}

describe('JobQueue.send', () => {
  it('keeps a sub-second delay to the millisecond instead of rounding it up to whole seconds', async () => {
    const id = await svc.deps.queue.send(svc.deps.db, 'catalog-build', { tenantId: randomUUID() }, { startAfterSeconds: 0.137 });
    expect(id).not.toBeNull();
    // start_after is the database clock plus the interval, in the same statement as created_on.
    expect((await job(id!)).delayMs).toBeCloseTo(137, 0);
  });

  it('groups push tasks by tenant and leaves other queues ungrouped', async () => {
    const tenantId = randomUUID();
    const push = await svc.deps.queue.send(svc.deps.db, 'push-task', { tenantId, productId: randomUUID(), connectionId: randomUUID() });
    expect((await job(push!)).groupId).toBe(tenantId);
    const reconcile = await svc.deps.queue.send(svc.deps.db, 'sync-reconcile-all', {});
    expect(reconcile).not.toBeNull();
    expect((await job(reconcile!)).groupId).toBeNull();
  });
});

describe('JobQueue supervision', () => {
  it("retries a job whose worker died once its heartbeat lapses, within a supervise interval, not pg-boss's minute", async () => {
    // A second queue client on the same database plays the supervising worker process.
    const supervisor = JobQueue.create(svc.deps.database, { schedule: false, supervise: true, superviseIntervalSeconds: 1 });
    await supervisor.start();
    try {
      // Give the supervisor's first pass time to run (it stamps the queue's monitor time).
      await new Promise((r) => setTimeout(r, 1500));
      // The queue's heartbeat is 10 s (pg-boss's minimum).
      const id = await svc.deps.queue.boss.send('sync-reconcile-all', {});
      // Claimed by a "worker" that then never heart-beats again: a SIGKILL.
      const claimed = await svc.deps.queue.boss.fetch('sync-reconcile-all', { batchSize: 10 });
      expect(claimed.map((j) => j.id)).toContain(id);
      // 10 s heartbeat + 1 s interval, with slack for a busy machine; before the fix this took up to 70 s.
      await waitFor(async () => {
        const rows = rowsOf<{ state: string }>(await svc.deps.db.execute(sql`SELECT state::text AS state FROM pgboss.job WHERE id = ${id}::uuid`));
        return rows[0]?.state === 'retry';
      }, 30_000, 200);
    } finally {
      await supervisor.stop(false, 2000);
    }
  }, 60_000);
});
