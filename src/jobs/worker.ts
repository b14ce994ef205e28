// The worker: claims jobs from every queue and runs the task registered for it.
// Stateless; any number of worker processes can share one database (pg-boss
// claims with FOR UPDATE SKIP LOCKED, so a job is held by one worker at a time).
import type { Deps } from '../deps.ts';
import { QUEUE_SPECS, type QueueName, type TaskPayloads } from './queue.ts';
import { OutboxRelay } from './outboxRelay.ts';
import { pushTask } from './tasks/pushTask.ts';
import { syncConnection } from './tasks/syncConnection.ts';
import { reconcileAll } from './tasks/reconcileAll.ts';
import { catalogBuild } from './tasks/catalogBuild.ts';
import { orderImport } from './tasks/orderImport.ts';
import { pushBulk } from './tasks/pushBulk.ts';

export interface TaskContext {
  jobId: string;
  /** pg-boss retries (crash recovery): > 0 means an earlier attempt died mid-way. */
  retryCount: number;
  signal: AbortSignal;
}

export type Task<K extends QueueName> = (deps: Deps, data: TaskPayloads[K], ctx: TaskContext) => Promise<void>;

const TASKS: { [K in QueueName]: Task<K> } = {
  'push-task': pushTask,
  'sync-connection': syncConnection,
  'sync-reconcile-all': reconcileAll,
  'catalog-build': catalogBuild,
  'order-import': orderImport,
  'push-bulk': pushBulk,
};

export interface Worker {
  stop(): Promise<void>;
}

export interface WorkerOptions {
  pollingIntervalSeconds?: number;
  /** Jobs fetched per poll; each batch runs concurrently. batchSize 1 with 2 s polling caps a queue at ~2 jobs/s. */
  batchSize?: number;
  /** Outbox relay idle poll (ms); in-process ingress wakes it sooner. */
  outboxIdleMs?: number;
}

export async function startWorker(deps: Deps, opts: WorkerOptions = {}): Promise<Worker> {
  const names = Object.keys(TASKS) as QueueName[];
  for (const name of names) {
    await register(deps, name, opts);
  }
  if (deps.config.env !== 'test') {
    // One schedule for all connections (not one per connection): queue names and cron rows stay few.
    await deps.queue.boss.schedule('sync-reconcile-all', `*/${deps.config.reconcileEveryMinutes} * * * *`, {});
  }
  const relay = new OutboxRelay(deps, opts.outboxIdleMs !== undefined ? { idleMs: opts.outboxIdleMs } : {});
  deps.outbox.onCommit(() => relay.nudge());
  relay.start();
  deps.log.info({ queues: names }, 'worker started');
  return {
    stop: async () => {
      await relay.stop();
      for (const name of names) await deps.queue.boss.offWork(name, { wait: true }).catch(() => {});
    },
  };
}

async function register<K extends QueueName>(deps: Deps, name: K, opts: WorkerOptions): Promise<void> {
  const task = TASKS[name];
  const concurrency = QUEUE_SPECS[name].concurrency;
  await deps.queue.boss.work<TaskPayloads[K]>(
    name,
    {
      batchSize: concurrency?.batch ?? opts.batchSize ?? 8,
      pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 1,
      // With NOTIFY active pg-boss would poll only every 30 s, but a delayed retry sends no NOTIFY when it falls due.
      notifyPollingIntervalSeconds: opts.pollingIntervalSeconds ?? 1,
      burstWhenBatchFull: true,
      perJobResults: true,
      ...(concurrency ? { localConcurrency: concurrency.loops, localGroupConcurrency: concurrency.perGroup } : {}),
    },
    async (jobs) =>
      Promise.all(
        jobs.map(async (job) => {
          const started = Date.now();
          try {
            await task(deps, job.data, { jobId: job.id, retryCount: job.retryCount, signal: job.signal });
            deps.metrics.tasks.inc({ queue: name, outcome: 'completed' });
            deps.log.debug({ queue: name, jobId: job.id, ms: Date.now() - started }, 'task completed');
            return { id: job.id, status: 'completed' as const };
          } catch (err) {
            // Tasks record expected failures themselves; reaching here is a bug or an outage,
            // and pg-boss retries the job with backoff.
            deps.metrics.tasks.inc({ queue: name, outcome: 'failed' });
            deps.log.error({ queue: name, jobId: job.id, err }, 'task failed');
            return { id: job.id, status: 'failed' as const, output: { message: err instanceof Error ? err.message : String(err) } };
          }
        }),
      ),
  );
}
