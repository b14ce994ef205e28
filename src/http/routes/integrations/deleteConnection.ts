// Disconnect: remove our webhook subscriptions and revoke the grant at the provider where possible
// (best effort, outside any transaction), then DISCONNECTED + audit. Reconciliation
// and pushes skip non-ACTIVE connections, so sync stops with the status change.
import { Type } from '@sinclair/typebox';
import { withTenant } from '../../../db/client.ts';
import { tenantConnectionById, tenantConnectionByPublicId, transitionConnection } from '../../../db/connections.ts';
import { writeAudit } from '../../../db/audit.ts';
import { createConnectionContext, openCredentials } from '../../../providers/connectionContext.ts';
import type { RouteModule } from '../../app.ts';
import { notFound } from '../../errors.ts';
import { isUuid } from '../../auth.ts';
import { errorResponses, tenantSecurity } from '../common.ts';

export const deleteConnection: RouteModule = (app, deps) => {
  app.delete(
    '/api/v1/integrations/connections/:id',
    {
      schema: {
        tags: ['integrations'],
        summary: 'Disconnect a connection (by id or connection_id)',
        security: tenantSecurity,
        params: Type.Object({ id: Type.String({ pattern: '^([0-9a-fA-F-]{36}|conn_[A-Za-z0-9]{1,64})$' }) }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (req, reply) => {
      const id = req.params.id;
      const conn = await withTenant(deps.db, req.auth.tenantId, (tx) =>
        isUuid(id) ? tenantConnectionById(tx, req.auth, id) : tenantConnectionByPublicId(tx, req.auth, id),
      );
      if (!conn) throw notFound('Connection');
      if (conn.status === 'DISCONNECTED') return reply.status(204).send(null);
      const connector = deps.providers.get(conn.provider);
      if (connector && conn.webhookSubscriptions.length > 0 && (conn.status === 'ACTIVE' || conn.status === 'PENDING')) {
        try {
          await connector.unsubscribeWebhooks(createConnectionContext(deps, connector, conn), conn.webhookSubscriptions);
        } catch (err) {
          req.log.warn({ connectionId: conn.connectionId, err: err instanceof Error ? err.message : 'error' }, 'could not remove webhook subscriptions');
        }
      }
      if (connector?.revokeGrant && (conn.status === 'ACTIVE' || conn.status === 'PENDING')) {
        try {
          await connector.revokeGrant(conn.account, openCredentials(deps, conn));
        } catch (err) {
          req.log.warn({ connectionId: conn.connectionId, err: err instanceof Error ? err.message : 'error' }, 'could not revoke the grant at the provider');
        }
      }
      await withTenant(deps.db, req.auth.tenantId, async (tx) => {
        await transitionConnection(tx, conn.id, 'DISCONNECTED');
        await writeAudit(tx, {
          tenantId: req.auth.tenantId,
          orgId: req.auth.orgId,
          actor: req.auth.sub,
          action: 'INTEGRATION_DISCONNECTED',
          target: conn.connectionId,
          data: { provider: conn.provider },
        });
      });
      deps.caches.connections.invalidate(conn.connectionId);
      return reply.status(204).send(null);
    },
  );
};
