// The job queue: pg-boss on the same database as the business data, so a job is
// enqueued inside the business transaction and commits or rolls back with it.
import { sql } from 'drizzle-orm';
import { PgBoss, fromDrizzle, fromPglite } from 'pg-boss';
import type { Database, Queryable } from '../db/client.ts';

/** Every queue and its payload, in one registry. Names stay low-cardinality. */
export interface TaskPayloads {
  /** Drains a connection's queued product pushes (tasks/pushTask.ts). productId: set by jobs of older versions, unused. */
  'push-task': { tenantId: string; connectionId: string; productId?: string };
  'sync-connection': { connectionId: string; initial: boolean };
  'sync-reconcile-all': Record<string, never>;
  'catalog-build': { tenantId: string };
  /** Reads one provider order named by an event (Amazon ORDER_CHANGE) and stores it. connectionId: internal id. */
  'order-import': { connectionId: string; externalId: string };
  /** Bulk push of one connection: claims its batch targets in provider-sized chunks (batchId for logs). */
  'push-bulk': { tenantId: string; connectionId: string; batchId: string | null };
}
export type QueueName = keyof TaskPayloads;

export interface QueueSpec {
  policy: 'standard' | 'stately';
  /** pg-boss-level retries only cover crashes and bugs; provider retries are scheduled by the task itself. */
  retryLimit: number;
  /** A worker that stops heart-beating (killed) has its job failed and retried after this many seconds. */
  heartbeatSeconds: number;
  expireInSeconds: number;
  /**
   * How one worker process runs the queue: `loops` fetch loops of up to `batch` jobs each. A loop
   * fetches again only once its whole batch is done, so a job stuck on a stalled provider holds its
   * loop. Grouped queues (GROUP_OF) run at most `perGroup` jobs of one group at once per process;
   * with perGroup < loops, one tenant whose provider stalls holds at most perGroup loops and the
   * rest keep serving every other tenant. Absent: one loop (batch from the worker's options).
   */
  concurrency?: { loops: number; batch: number; perGroup: number };
  /**
   * A new job NOTIFYs (in its transaction) and wakes idle workers at once instead of at their next
   * poll (up to pollingIntervalSeconds, 1 s); polling stays as the backstop.
   */
  notify?: boolean;
}

export const QUEUE_SPECS: Record<QueueName, QueueSpec> = {
  // One job per connection (singletonKey), stately: at most one queued and one running, and a push
  // while one is queued adds nothing. The task drains whatever is queued for its connection and
  // re-queues itself while work is left (tasks/pushTask.ts); a claimed product's lease, not the
  // queue, keeps two copies of the task (a pg-boss rerun after a missed heartbeat) off one product.
  // Concurrency: one tenant's connections take up to 6 of a process's 8 loops; 2 stay free for
  // other tenants while that tenant's providers hang until their deadlines. Batches of 2 (not 1)
  // because pg-boss only refetches at once after a full batch; a loop that fetched 1 waits a
  // polling interval.
  // No NOTIFY: every push woke every idle loop of every worker into a fetch, most of which found
  // nothing. A push waits at most one polling interval (1 s) to be picked up by an idle worker; a
  // running task of its connection takes it at its next claim.
  'push-task': { policy: 'stately', retryLimit: 10, heartbeatSeconds: 10, expireInSeconds: 300, concurrency: { loops: 8, batch: 2, perGroup: 6 }, notify: false },
  'sync-connection': { policy: 'stately', retryLimit: 3, heartbeatSeconds: 30, expireInSeconds: 3600 },
  'sync-reconcile-all': { policy: 'standard', retryLimit: 1, heartbeatSeconds: 10, expireInSeconds: 300 },
  // stately + singletonKey tenant + a start delay: edits during the delay collapse into one build.
  'catalog-build': { policy: 'stately', retryLimit: 3, heartbeatSeconds: 30, expireInSeconds: 3600 },
  // stately + singletonKey connection×order: changes of one order that arrive while its read is
  // queued collapse into that read (it fetches the latest state). One queue for every provider
  // and connection, so queue names stay few. 8 retries of pg-boss's backoff (2 s doubling, capped
  // at 60 s) ride out a throttled or unavailable Orders API for about 5 minutes.
  'order-import': { policy: 'stately', retryLimit: 8, heartbeatSeconds: 30, expireInSeconds: 600 },
  // stately + singletonKey connection: one queued and one running bulk job per connection. The task
  // claims every claimable batch target of its connection, so a second batch sent while one job is
  // queued is picked up by that job. An hour: a 100k-product Shopify bulk operation at the modelled
  // processing rate takes tens of minutes.
  'push-bulk': { policy: 'stately', retryLimit: 5, heartbeatSeconds: 30, expireInSeconds: 3600 },
};

/** Queues whose jobs belong to a group (the tenant), which the worker caps in flight (QueueSpec.concurrency). */
const GROUP_OF: { [K in QueueName]?: (data: TaskPayloads[K]) => string } = {
  'push-task': (d) => d.tenantId,
};

function groupOf<K extends QueueName>(name: K, data: TaskPayloads[K]): { id: string } | undefined {
  const of = GROUP_OF[name] as ((d: TaskPayloads[K]) => string) | undefined;
  return of ? { id: of(data) } : undefined;
}

/** The pg-boss options of a queue (also used by the fan-out bench's baseline queue, so both cost the same to claim). */
export function queueOptions(spec: QueueSpec) {
  return {
    policy: spec.policy,
    retryLimit: spec.retryLimit,
    retryBackoff: true,
    retryDelay: 2,
    retryDelayMax: 60,
    heartbeatSeconds: spec.heartbeatSeconds,
    expireInSeconds: spec.expireInSeconds,
  };
}

export interface EnqueueOptions {
  singletonKey?: string;
  startAfterSeconds?: number;
}

export class JobQueue {
  private constructor(
    readonly boss: PgBoss,
    private readonly database: Database,
  ) {}

  static create(database: Database, opts: { schedule?: boolean; supervise?: boolean; superviseIntervalSeconds?: number } = {}): JobQueue {
    const common = {
      schedule: opts.schedule ?? true,
      supervise: opts.supervise ?? true,
      // pg-boss's default is 60 s: a killed worker's job would wait that long before it is retried.
      superviseIntervalSeconds: opts.superviseIntervalSeconds ?? 10,
      // The supervisor fails jobs whose heartbeat stopped only in its monitor pass, which runs at most
      // once per monitorIntervalSeconds (default 60 s). Left at the default, a SIGKILLed worker's jobs
      // sat 'active' for about a minute whatever the supervise interval (measured: ~62 s from kill to
      // retry with supervise at 2 s); in step, they are retried one heartbeat plus one interval later.
      monitorIntervalSeconds: opts.superviseIntervalSeconds ?? 10,
      // Finished jobs are history we do not need beyond a week.
      deleteAfterSeconds: 7 * 24 * 3600,
      // Processes that work jobs hold one listening connection, so queues with `notify` wake them.
      // Kept although no queue uses `notify` now: without it the webhook bench measured about 15%
      // fewer ingest requests per second (4 runs each, alternating; cause not found).
      useListenNotify: opts.schedule ?? true,
    };
    const boss =
      database.kind === 'pglite'
        ? new PgBoss({ ...common, db: fromPglite(database.pglite), backend: 'pglite' })
        : new PgBoss({ ...common, connectionString: database.url, max: 4 });
    return new JobQueue(boss, database);
  }

  async start(): Promise<void> {
    await this.boss.start();
    for (const [name, spec] of Object.entries(QUEUE_SPECS)) {
      const options = queueOptions(spec);
      const notify = spec.notify ?? false;
      const existing = await this.boss.getQueue(name);
      if (!existing) {
        try {
          await this.boss.createQueue(name, { ...options, notify });
        } catch (err) {
          // Another process created it between our read and our create.
          if (!(await this.boss.getQueue(name))) throw err;
        }
      } else if ((existing.notify ?? false) !== notify) {
        await this.boss.updateQueue(name, { notify });
      }
    }
  }

  /** Enqueue inside an open transaction (or on the plain handle when there is none). */
  async send<K extends QueueName>(db: Queryable, name: K, data: TaskPayloads[K], opts: EnqueueOptions = {}): Promise<string | null> {
    // pg-boss's drizzle adapter types execute() loosely; our handle satisfies it at runtime.
    const sendOpts: Record<string, unknown> = { db: fromDrizzle(db as unknown as Parameters<typeof fromDrizzle>[0], sql) };
    if (opts.singletonKey !== undefined) sendOpts.singletonKey = opts.singletonKey;
    // Fractional seconds on purpose: pg-boss adds them to the database clock as an interval, so a
    // 137 ms backoff stays 137 ms. Rounding up to whole seconds turned full jitter on [0, 250 ms)
    // into a fixed 1 s and broke the [0, min(cap, base·2^n)] bound for sub-second bases.
    if (opts.startAfterSeconds !== undefined && opts.startAfterSeconds > 0) sendOpts.startAfter = Math.round(opts.startAfterSeconds * 1000) / 1000;
    const group = groupOf(name, data);
    if (group) sendOpts.group = group;
    return this.boss.send(name, data as object, sendOpts);
  }

  /**
   * Many jobs of one queue in one statement, inside the caller's transaction (the outbox's group
   * commit; the push route's one job per connection). `singletonKeyOf` gives each job its key.
   */
  async sendMany<K extends QueueName>(db: Queryable, name: K, data: TaskPayloads[K][], singletonKeyOf?: (d: TaskPayloads[K]) => string): Promise<void> {
    if (data.length === 0) return;
    await this.boss.insert(
      name,
      data.map((d) => {
        const group = groupOf(name, d);
        return { data: d as object, ...(group ? { group } : {}), ...(singletonKeyOf ? { singletonKey: singletonKeyOf(d) } : {}) };
      }),
      { db: fromDrizzle(db as unknown as Parameters<typeof fromDrizzle>[0], sql) },
    );
  }

  async stop(graceful: boolean, timeoutMs = 20_000): Promise<void> {
    await this.boss.stop({ graceful, timeout: timeoutMs, close: this.database.kind === 'postgres' });
  }
}
