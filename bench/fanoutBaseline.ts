// The push fan-out bench's baseline: pg-boss itself sending and working the same number
// of no-op jobs, on the same database, with the queue options and worker concurrency of
// Synq's push-task queue (QUEUE_SPECS), so the ratio prices only what Synq adds per task.
//
// Run as a child process (`node --import tsx bench/fanoutBaseline.ts <DATABASE_URL>`) it is
// one baseline worker process; imported, it sends the jobs and times their completion.
import { PgBoss } from 'pg-boss';
import { QUEUE_SPECS, queueOptions } from '../src/jobs/queue.ts';

export const BASELINE_QUEUE = 'bench-noop';
const spec = QUEUE_SPECS['push-task'];

/** The options Synq's JobQueue gives its queues (queue.ts), so both queues cost the same to claim. */
export async function createBaselineQueue(boss: PgBoss): Promise<void> {
  if (await boss.getQueue(BASELINE_QUEUE)) return;
  await boss.createQueue(BASELINE_QUEUE, queueOptions(spec));
}

/** Works the baseline queue with the push-task worker settings (worker.ts) and a no-op handler. */
export async function workBaseline(boss: PgBoss, pollingIntervalSeconds: number): Promise<void> {
  const c = spec.concurrency;
  await boss.work(
    BASELINE_QUEUE,
    {
      batchSize: c?.batch ?? 8,
      pollingIntervalSeconds,
      burstWhenBatchFull: true,
      perJobResults: true,
      ...(c ? { localConcurrency: c.loops, localGroupConcurrency: c.perGroup } : {}),
    },
    async (jobs) => jobs.map((job) => ({ id: job.id, status: 'completed' as const })),
  );
}

/**
 * Sends `products` × `perProduct` jobs the way the push route enqueues (one statement per
 * product, `inFlight` products at once, one group = one tenant), and returns the send start.
 */
export async function sendBaseline(boss: PgBoss, products: number, perProduct: number, inFlight: number, tag: string): Promise<number> {
  const start = Date.now();
  let next = 0;
  const group = { id: `bench-tenant-${tag}` };
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (let i = next++; i < products; i = next++) {
        await boss.insert(
          BASELINE_QUEUE,
          Array.from({ length: perProduct }, (_, k) => ({ data: { i, k }, singletonKey: `${tag}:${i}:${k}`, group })),
        );
      }
    }),
  );
  return start;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) {
  const url = process.argv[2];
  const polling = Number(process.argv[3] ?? '1');
  if (!url) throw new Error('usage: fanoutBaseline.ts <DATABASE_URL> [pollingIntervalSeconds]');
  const boss = new PgBoss({ connectionString: url, max: 4, schedule: false, supervise: false });
  boss.on('error', (err: unknown) => console.error('baseline worker:', err));
  await boss.start();
  await createBaselineQueue(boss);
  await workBaseline(boss, polling);
  console.log('baseline worker ready');
  process.once('SIGTERM', () => {
    void boss.stop({ graceful: false, timeout: 1000 }).finally(() => process.exit(0));
  });
}
