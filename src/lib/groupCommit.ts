// Keyed group commit: callers submit one item each and wait for its own result, while
// the items of one key (a tenant) that arrive together are written in one flush — at
// most one flush in flight per key, the next one taking everything that queued up
// meanwhile. An idle key flushes at once (no timer), so batching adds no latency; a
// failed flush rejects every caller in it (each then fails or retries on its own).
//
// Why: the push worker ran 2 transactions per task (claim + read, then record), ~10
// statements with their BEGIN/COMMIT/set_config round trips; grouped, a process working
// 6 tasks of one tenant at once pays those once per group (jobs/tasks/pushTask.ts).
interface Waiting<In, Out> {
  item: In;
  resolve(o: Out): void;
  reject(err: unknown): void;
}

export class KeyedGroupCommit<In, Out> {
  private readonly queues = new Map<string, Waiting<In, Out>[]>();
  /** Items per flush (kept up to 10,000), for tests and the bench. */
  readonly flushSizes: number[] = [];

  constructor(
    private readonly flush: (key: string, items: In[]) => Promise<Out[]>,
    private readonly maxBatch = 64,
  ) {}

  submit(key: string, item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      const queue = this.queues.get(key);
      if (queue) queue.push({ item, resolve, reject });
      else {
        this.queues.set(key, [{ item, resolve, reject }]);
        void this.drain(key);
      }
    });
  }

  private async drain(key: string): Promise<void> {
    const queue = this.queues.get(key)!;
    try {
      while (queue.length > 0) {
        // One turn of the event loop lets the other jobs of the same fetch join this flush.
        await new Promise<void>((r) => setImmediate(r));
        const batch = queue.splice(0, this.maxBatch);
        if (this.flushSizes.length < 10_000) this.flushSizes.push(batch.length);
        try {
          const outs = await this.flush(key, batch.map((w) => w.item));
          batch.forEach((w, i) => w.resolve(outs[i]!));
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.queues.delete(key);
    }
  }
}
