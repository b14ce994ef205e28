// The periodic reconciliation: one cron job fans out one sync job per ACTIVE
// connection (singleton per connection, so a slow sync is never doubled up).
import { eq } from 'drizzle-orm';
import { connections } from '../../db/schema.ts';
import type { Task } from '../worker.ts';

export const reconcileAll: Task<'sync-reconcile-all'> = async (deps) => {
  const active = await deps.db.select({ id: connections.id }).from(connections).where(eq(connections.status, 'ACTIVE'));
  for (const c of active) {
    await deps.queue.send(deps.db, 'sync-connection', { connectionId: c.id, initial: false }, { singletonKey: c.id });
  }
  deps.log.info({ connections: active.length }, 'reconciliation scheduled');
};
