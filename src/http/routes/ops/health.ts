import { sql } from 'drizzle-orm';
import { Type } from '@sinclair/typebox';
import { pendingMigrations } from '../../../db/client.ts';
import type { RouteModule } from '../../app.ts';

export const health: RouteModule = (app, deps) => {
  app.get('/healthz', { schema: { tags: ['ops'], summary: 'Liveness: the process answers', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } }, async () => ({
    status: 'ok' as const,
  }));

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['ops'],
        summary: 'Readiness: database reachable and migrations applied',
        response: { 200: Type.Object({ status: Type.String(), database: Type.String() }), 503: Type.Object({ error: Type.String() }) },
      },
    },
    async (_req, reply) => {
      try {
        await deps.db.execute(sql`SELECT 1`);
        const pending = await pendingMigrations(deps.db);
        if (pending > 0) return reply.status(503).send({ error: `${pending} migration(s) not applied` });
        return { status: 'ready', database: deps.database.kind };
      } catch {
        return reply.status(503).header('retry-after', '1').send({ error: 'Database unreachable' });
      }
    },
  );

  app.get('/metrics', { schema: { tags: ['ops'], summary: 'Prometheus metrics', hide: false } }, async (_req, reply) => {
    const body = await deps.metrics.registry.metrics();
    return reply.header('content-type', deps.metrics.registry.contentType).send(body);
  });
};
