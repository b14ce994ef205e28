// The periodic reconciliation: one cron job fans out one sync job per ACTIVE
// connection (singleton per connection, so a slow sync is never doubled up).
import { eq, lt, sql } from 'drizzle-orm';
import { connections, oauthStates } from '../../db/schema.ts';
import type { Task } from '../worker.ts';

export const reconcileAll: Task<'sync-reconcile-all'> = async (deps) => {
  const active = await deps.db.select({ id: connections.id }).from(connections).where(eq(connections.status, 'ACTIVE'));
  for (const c of active) {
    await deps.queue.send(deps.db, 'sync-connection', { connectionId: c.id, initial: false }, { singletonKey: c.id });
  }
  // Housekeeping rides along: OAuth states live 10 minutes; keep a day of them for support questions.
  const purged = await deps.db.delete(oauthStates).where(lt(oauthStates.expiresAt, sql`now() - interval '1 day'`)).returning({ h: oauthStates.stateHash });
  deps.log.info({ connections: active.length, purgedStates: purged.length }, 'reconciliation scheduled');
};
