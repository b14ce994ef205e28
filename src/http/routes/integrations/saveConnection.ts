// POST /api/v1/integrations/callback: the tenant's backend confirms the connection.
// PENDING -> ACTIVE, audit entry, initial sync job — all in one transaction, so
// a 201 means the connection is live and its sync is queued. Saving twice is a no-op.
import { Type } from '@sinclair/typebox';
import { withTenant } from '../../../db/client.ts';
import { connectionToJson, tenantConnectionByPublicId, transitionConnection } from '../../../db/connections.ts';
import { writeAudit } from '../../../db/audit.ts';
import type { RouteModule } from '../../app.ts';
import { ApiError, badRequest, notFound } from '../../errors.ts';
import { errorResponses, tenantSecurity } from '../common.ts';
import { ConnectionJson } from './schemas.ts';

const Body = Type.Object(
  {
    connection_id: Type.String({ pattern: '^conn_[A-Za-z0-9]{1,64}$' }),
    category: Type.Optional(Type.Union([Type.Literal('commerce'), Type.Literal('accounting')])),
    provider: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const saveConnection: RouteModule = (app, deps) => {
  app.post(
    '/api/v1/integrations/callback',
    {
      schema: {
        tags: ['integrations'],
        summary: 'Save an authorized connection: it becomes ACTIVE and background sync starts',
        security: tenantSecurity,
        body: Body,
        response: { 201: ConnectionJson, ...errorResponses, 409: errorResponses[400] },
      },
    },
    async (req, reply) => {
      const { connection_id: publicId, provider, category } = req.body;
      const saved = await withTenant(deps.db, req.auth.tenantId, async (tx) => {
        const conn = await tenantConnectionByPublicId(tx, req.auth, publicId);
        if (!conn) throw notFound('Connection');
        if (provider !== undefined && provider !== conn.provider) throw badRequest(`Connection ${publicId} is a ${conn.provider} connection, not ${provider}`);
        if (category !== undefined && category !== conn.category) throw badRequest(`Connection ${publicId} is a ${conn.category} connection, not ${category}`);
        if (conn.status === 'ACTIVE') return conn;
        if (conn.status !== 'PENDING') throw new ApiError('CONFLICT', `Connection is ${conn.status}; connect again to get a new one`);
        const active = await transitionConnection(tx, conn.id, 'ACTIVE');
        await writeAudit(tx, {
          tenantId: req.auth.tenantId,
          orgId: req.auth.orgId,
          actor: req.auth.sub,
          action: 'INTEGRATION_CONNECTED',
          target: publicId,
          data: { provider: conn.provider, category: conn.category },
        });
        await deps.queue.send(tx, 'sync-connection', { connectionId: conn.id, initial: true }, { singletonKey: conn.id });
        return active!;
      });
      deps.caches.connections.invalidate(publicId);
      return reply.status(201).send(connectionToJson(saved));
    },
  );
};
