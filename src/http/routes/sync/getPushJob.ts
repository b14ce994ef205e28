import { Type } from '@sinclair/typebox';
import { withTenant } from '../../../db/client.ts';
import { getPushJob as getPushJobRow, type TargetStatus } from '../../../db/push.ts';
import type { RouteModule } from '../../app.ts';
import { notFound } from '../../errors.ts';
import { errorResponses, tenantSecurity, Uuid } from '../common.ts';

const Target = Type.Object({
  connection_id: Type.String(),
  provider: Type.String(),
  status: Type.String(),
  attempts: Type.Integer(),
  remote_id: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  /** What the provider reported after accepting the push (Amazon: live, accepted, issues: …); null when it says nothing more. */
  remote_status: Type.Union([Type.String(), Type.Null()]),
  updated_at: Type.String(),
});

/** The job's status summarises its targets: still moving, or how it ended. */
function summarize(statuses: TargetStatus[]): string {
  if (statuses.some((s) => s === 'queued' || s === 'running')) return statuses.some((s) => s !== 'queued') ? 'running' : 'queued';
  if (statuses.every((s) => s === 'succeeded')) return 'succeeded';
  if (statuses.every((s) => s === 'failed' || s === 'dead')) return 'failed';
  return 'partial';
}

export const getPushJob: RouteModule = (app, deps) => {
  app.get(
    '/unified/sync/jobs/:job_id',
    {
      schema: {
        tags: ['sync'],
        summary: 'A push job and the state of each of its targets',
        security: tenantSecurity,
        params: Type.Object({ job_id: Uuid }),
        response: {
          200: Type.Object({ id: Type.String(), product_id: Type.String(), action: Type.String(), status: Type.String(), targets: Type.Array(Target) }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const job = await withTenant(deps.db, req.auth.tenantId, (tx) => getPushJobRow(tx, req.auth, req.params.job_id));
      if (!job) throw notFound('Job');
      return {
        id: job.id,
        product_id: job.productId,
        action: job.action,
        status: job.targets.length ? summarize(job.targets.map((t) => t.status)) : 'succeeded',
        targets: job.targets.map((t) => ({
          connection_id: t.publicConnectionId,
          provider: t.provider,
          status: t.status,
          attempts: t.attempts,
          remote_id: t.remoteId,
          error: t.error,
          remote_status: t.remoteStatus,
          updated_at: t.updatedAt.toISOString(),
        })),
      };
    },
  );
};
