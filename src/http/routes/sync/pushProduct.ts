// POST /unified/sync/push/product: one push job, one target per ACTIVE connection, and each
// connection's push task queued (one INSERT for all) — all committed together, so a 202 means queued.
// Concurrent pushes of one tenant share that transaction (jobs/pushIntake.ts).
import { Type } from '@sinclair/typebox';
import { queuePush } from '../../../jobs/pushIntake.ts';
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
      // Committed, with the other pushes of this tenant that arrived at the same moment, before it answers.
      const queued = await queuePush(deps, req.auth, { productId, action });
      // A soft-deleted product can still be removed remotely, but not upserted.
      if (!queued) throw notFound('Product');
      return reply.status(202).send({ status: 'queued' as const, job_id: queued.jobId });
    },
  );
};
