// GET /unified/sync/batches/:id: a bulk push's progress, counted per connection.
import { Type } from '@sinclair/typebox';
import { withTenant } from '../../../db/client.ts';
import { getBatchProgress } from '../../../db/pushBatches.ts';
import type { TargetStatus } from '../../../db/push.ts';
import type { RouteModule } from '../../app.ts';
import { notFound } from '../../errors.ts';
import { errorResponses, IdParams, tenantSecurity } from '../common.ts';

const Counts = Type.Object({ queued: Type.Integer(), running: Type.Integer(), succeeded: Type.Integer(), failed: Type.Integer(), dead: Type.Integer() });
const Connection = Type.Object({ connection_id: Type.String(), provider: Type.String(), state: Type.String(), counts: Counts });

/** queued (nothing started) → running → succeeded | failed (every target failed or dead) | partial. */
export function batchState(counts: Record<TargetStatus, number>): string {
  const open = counts.queued + counts.running;
  const done = counts.succeeded + counts.failed + counts.dead;
  if (open > 0) return counts.running === 0 && done === 0 ? 'queued' : 'running';
  if (counts.failed + counts.dead === 0) return 'succeeded';
  return counts.succeeded === 0 ? 'failed' : 'partial';
}

const sum = (list: Record<TargetStatus, number>[]): Record<TargetStatus, number> =>
  list.reduce((a, c) => ({ queued: a.queued + c.queued, running: a.running + c.running, succeeded: a.succeeded + c.succeeded, failed: a.failed + c.failed, dead: a.dead + c.dead }), {
    queued: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    dead: 0,
  });

export const getBatch: RouteModule = (app, deps) => {
  app.get(
    '/unified/sync/batches/:id',
    {
      schema: {
        tags: ['sync'],
        summary: 'A bulk push and its progress per connection',
        security: tenantSecurity,
        params: IdParams,
        response: {
          200: Type.Object({
            id: Type.String(),
            action: Type.String(),
            origin: Type.String(),
            product_count: Type.Integer(),
            state: Type.String(),
            created_at: Type.String(),
            connections: Type.Array(Connection),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const batch = await withTenant(deps.db, req.auth.tenantId, (tx) => getBatchProgress(tx, req.auth, req.params.id));
      if (!batch) throw notFound('Batch');
      const total = sum(batch.connections.map((c) => c.counts));
      return {
        id: batch.id,
        action: batch.action,
        origin: batch.origin,
        product_count: batch.productCount,
        // A batch with no targets (no active connection) has nothing left to do.
        state: batch.connections.length === 0 ? 'succeeded' : batchState(total),
        created_at: batch.createdAt.toISOString(),
        connections: batch.connections.map((c) => ({ connection_id: c.connectionId, provider: c.provider, state: batchState(c.counts), counts: c.counts })),
      };
    },
  );
};
