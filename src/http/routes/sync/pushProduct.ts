// POST /unified/sync/push/product: one push job, one target per ACTIVE connection, and each
// connection's push task queued (one INSERT for all) — all committed together, so a 202 means queued.
import { Type } from '@sinclair/typebox';
import { withTenant } from '../../../db/client.ts';
import { queuePush } from '../../../db/push.ts';
import type { RouteModule } from '../../app.ts';
import { notFound } from '../../errors.ts';
import { errorResponses, tenantSecurity, Uuid } from '../common.ts';

const Body = Type.Object(
  { productId: Uuid, action: Type.Union([Type.Literal('UPSERT'), Type.Literal('DELETE')]) },
  { additionalProperties: false },
);

export const pushProduct: RouteModule = (app, deps) => {
  app.post(
    '/unified/sync/push/product',
    {
      schema: {
        tags: ['sync'],
        summary: 'Push a product to every active connection',
        security: tenantSecurity,
        body: Body,
        response: { 202: Type.Object({ status: Type.Literal('queued'), job_id: Type.String() }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const { productId, action } = req.body;
      const jobId = await withTenant(deps.db, req.auth.tenantId, async (tx) => {
        // A soft-deleted product can still be removed remotely, but not upserted.
        const queued = await queuePush(tx, req.auth, productId, action);
        if (!queued) throw notFound('Product');
        // Each connection's push task, in one INSERT. One task per connection drains whatever
        // is queued for it (jobs/tasks/pushTask.ts); while one waits, this adds nothing.
        await deps.queue.sendMany(
          tx,
          'push-task',
          queued.connectionIds.map((connectionId) => ({ tenantId: req.auth.tenantId, connectionId })),
          (d) => d.connectionId,
        );
        return queued.jobId;
      });
      return reply.status(202).send({ status: 'queued' as const, job_id: jobId });
    },
  );
};
